"""The request context carried from the API through RPC to the conductor."""

from oslo_context import context


class RequestContext(context.RequestContext):
    """oslo.context's context; credentials are never part of it.

    ``trust_id`` is set by the conductor from the job it runs (never sent
    over RPC): the Keystone trust the job works through.
    """

    trust_id = None

    def to_policy_values(self):
        values = super().to_policy_values()
        values['project_id'] = self.project_id
        return values

    @classmethod
    def from_dict(cls, values, **kwargs):
        kwargs.setdefault('overwrite', False)
        return super().from_dict(values, **kwargs)


def get_admin_context():
    """A context for the service's own work (periodic tasks, start-up)."""
    return RequestContext(is_admin=True, roles=['admin'], overwrite=False)
