"""Writing many Observations at once through the database's own bulk path.

Django's ``bulk_create`` prepares every value through the ORM's field machinery and, on
SQLite, splits the rows into statements of at most 999 parameters (about 70 rows): for a
city's ingest that machinery costs more than the database's work. Here each value is
adapted once by the backend's own adapter and the rows are written with

- PostgreSQL: keys drawn from the table's sequence in one query, then ``COPY``;
- SQLite: the first row by ``INSERT ... RETURNING id``, which takes the database's write
  lock, then the others in one ``executemany``; holding the lock, SQLite numbers them on
  from the first (checked after the insert, so a surprise fails loudly, never silently).

Measured in benchmarks/sensors_city_scale.py (``ingest``).
"""

from functools import partial

from django.db import DatabaseError, connections, models
from psycopg import sql

from smartcity.sensors.models import Observation

FIELDS = tuple(f for f in Observation._meta.concrete_fields if not f.primary_key)
COLUMNS = tuple(f.attname for f in FIELDS)


def _adapters(connection) -> tuple:
    adapters = []
    for field in FIELDS:
        if isinstance(field, models.DateTimeField):
            adapters.append(connection.ops.adapt_datetimefield_value)
        elif isinstance(field, models.JSONField):
            adapters.append(partial(connection.ops.adapt_json_value, encoder=field.encoder))
        else:
            adapters.append(None)
    return tuple(adapters)


def _values(observations, adapters) -> list[tuple]:
    rows = []
    for observation in observations:
        values = [getattr(observation, column) for column in COLUMNS]
        for index, adapt in enumerate(adapters):
            if adapt is not None and values[index] is not None:
                values[index] = adapt(values[index])
        rows.append(tuple(values))
    return rows


def insert_observations(observations: list, using: str = "default") -> None:
    """Insert ``observations`` (model instances or any objects with the Observation's
    column attributes, ``datastream_id`` and so on) and set their ``id``.

    Call it inside a transaction; a refused row raises ``DatabaseError`` and, with the
    transaction, stores nothing.
    """
    if not observations:
        return
    connection = connections[using]
    rows = _values(observations, _adapters(connection))
    if connection.vendor == "postgresql":
        keys = _copy(connection, rows)
    else:
        keys = _insert_numbered(connection, rows)
    for observation, key in zip(observations, keys, strict=True):
        observation.id = key


def _copy(connection, rows: list[tuple]) -> list[int]:
    table = Observation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(rows)],
        )
        keys = [key for (key,) in cursor.fetchall()]
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, ("id", *COLUMNS)))
        )
        # The driver's own cursor does COPY; Django's error wrapper turns its errors into
        # django.db errors, as for every other query.
        with connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
            for key, row in zip(keys, rows, strict=True):
                copy.write_row((key, *row))
    return keys


def _insert_numbered(connection, rows: list[tuple]) -> list[int]:
    quote = connection.ops.quote_name
    table = quote(Observation._meta.db_table)
    columns = ", ".join(map(quote, COLUMNS))
    marks = ", ".join(["%s"] * len(COLUMNS))
    insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - model names only
    with connection.cursor() as cursor:
        cursor.execute(insert + " RETURNING id", rows[0])
        (first,) = cursor.fetchone()
        cursor.executemany(insert, rows[1:])
        cursor.execute(f"SELECT max(id) FROM {table}")  # noqa: S608 - model names only
        (last,) = cursor.fetchone()
    if last != first + len(rows) - 1:
        raise DatabaseError(f"keys {first}..{last} for {len(rows)} rows: not numbered in order")
    return list(range(first, last + 1))
