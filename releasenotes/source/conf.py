# CIMinG release notes build configuration (Sphinx + reno).
#
# Plain alabaster, built into Sphinx, so the notes build with nothing but
# doc/requirements.txt and no network.

extensions = [
    'reno.sphinxext',
]

project = 'CIMinG Release Notes'
copyright = '2025, CIMinG developers'

source_suffix = '.rst'
master_doc = 'index'
exclude_patterns = []
pygments_style = 'sphinx'

html_theme = 'alabaster'
