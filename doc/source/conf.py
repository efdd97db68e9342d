# CIMinG documentation build configuration (Sphinx).

# -- General configuration ---------------------------------------------------

extensions = [
    'cliff.sphinxext',
    'openstackdocstheme',
    'oslo_config.sphinxext',
    'oslo_config.sphinxconfiggen',
    'oslo_policy.sphinxext',
    'oslo_policy.sphinxpolicygen',
]

# oslo_config.sphinxconfiggen: writes _static/ciming.conf.sample.
config_generator_config_file = '../../etc/ciming/ciming-config-generator.conf'
sample_config_basename = '_static/ciming'

# oslo_policy.sphinxpolicygen: writes _static/ciming.policy.yaml.sample.
policy_generator_config_file = '../../etc/ciming/ciming-policy-generator.conf'
sample_policy_basename = '_static/ciming'

# cliff.sphinxext: the CLI reference (doc/source/cli) from the commands.
autoprogram_cliff_application = 'openstack'

# openstackdocstheme
openstackdocs_repo_name = 'openstack/ciming'
openstackdocs_pdf_link = False
openstackdocs_use_storyboard = False
openstackdocs_bug_project = 'ciming'
openstackdocs_bug_tag = 'doc'
openstackdocs_auto_name = False

project = 'CIMinG'
copyright = '2025, CIMinG developers'

source_suffix = '.rst'
master_doc = 'index'
exclude_patterns = []
pygments_style = 'native'
add_module_names = False

# -- Options for HTML output -------------------------------------------------

html_theme = 'openstackdocs'
html_static_path = ['_static']
