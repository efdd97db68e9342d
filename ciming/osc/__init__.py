"""``openstack ciming ...`` and ``ciming ...``: one set of cliff commands.

The commands reach the API through ``self.app.client_manager.ciming``, a
:class:`ciming.client.client.Client` built by :func:`ciming.osc.plugin.
make_client` under openstackclient, or by :mod:`ciming.osc.shell` in the
standalone ``ciming`` program.
"""
