"""Check strings every resource's policy is composed from."""

ADMIN = 'role:admin'
PROJECT_READER = 'role:reader and project_id:%(project_id)s'
PROJECT_MEMBER = 'role:member and project_id:%(project_id)s'

# Targets of clouds carry "shared": a shared cloud is readable by any
# reader, whatever project defined it.
SHARED_READER = 'role:reader and True:%(shared)s'
SHARED_MEMBER = 'role:member and True:%(shared)s'
OWN_UNSHARED_MEMBER = '(%s) and False:%%(shared)s' % PROJECT_MEMBER

ADMIN_OR_PROJECT_READER = '(%s) or (%s)' % (ADMIN, PROJECT_READER)
ADMIN_OR_PROJECT_MEMBER = '(%s) or (%s)' % (ADMIN, PROJECT_MEMBER)

SCOPE_TYPES = ['project']
