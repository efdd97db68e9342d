# CIMinG API reference build configuration (Sphinx, os-api-ref).

extensions = [
    'os_api_ref',
    'openstackdocstheme',
]

# openstackdocstheme
openstackdocs_repo_name = 'openstack/ciming'
openstackdocs_bug_project = 'ciming'
openstackdocs_bug_tag = 'api-ref'
openstackdocs_use_storyboard = False
openstackdocs_auto_name = False

project = 'CIMinG API Reference'
copyright = '2025, CIMinG developers'

source_suffix = '.rst'
master_doc = 'index'
exclude_patterns = []
pygments_style = 'native'

html_theme = 'openstackdocs'
html_theme_options = {
    'sidebar_mode': 'toc',
}
