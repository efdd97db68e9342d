"""The SQLAlchemy backend of :mod:`ciming.db`.

Importing it sets up every sqlite connection of the process for
concurrent writers (:mod:`ciming.db.sqlalchemy.contention`).
"""

from ciming.db.sqlalchemy import contention

contention.setup()
