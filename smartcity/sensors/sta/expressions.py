"""Database expressions the ``$filter`` translation needs beyond Django's own functions.

Each one is written per backend (SQLite, PostgreSQL) from fixed SQL templates; values from a
request reach the database only as query parameters.
"""

import json

from django.db.models import BooleanField, FloatField, Func, IntegerField, TextField
from django.db.utils import NotSupportedError

# The JSON type names JSON_TYPE() (SQLite) and JSONB_TYPEOF() (PostgreSQL) give per kind.
_SQLITE_TYPES = {
    "number": "'integer', 'real'",
    "string": "'text'",
    "boolean": "'true', 'false'",
}
_POSTGRES_TYPES = {"number": "'number'", "string": "'string'", "boolean": "'boolean'"}
_POSTGRES_CASTS = {"number": "::double precision", "string": "", "boolean": "::boolean"}
_OUTPUT = {
    "number": FloatField,
    "string": TextField,
    "boolean": BooleanField,
    "text": TextField,
    "json": TextField,
}


def json_path(keys) -> str:
    """The SQLite JSON path of object ``keys``; every key is quoted, so none can be read as
    an array index or as path syntax."""
    return "$" + "".join("." + json.dumps(key) for key in keys)


class JSONValue(Func):
    """The value at ``keys`` inside a JSON column, typed.

    ``kind`` ``number``, ``string`` or ``boolean`` yields the value only where the JSON value
    has that type and NULL elsewhere, so ``properties/floor gt 2`` never compares a string
    with a number and never fails on a row whose value has another type. ``text`` yields any
    scalar as text (NULL for a missing key or a JSON null), ``json`` the JSON itself.
    """

    arity = 1

    def __init__(self, expression, keys, kind):
        if kind not in _OUTPUT:
            raise ValueError(f"unknown JSON value kind {kind!r}")
        self.keys = tuple(keys)
        self.kind = kind
        super().__init__(expression, output_field=_OUTPUT[kind]())

    def as_sqlite(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.get_source_expressions()[0])
        path = json_path(self.keys)
        if self.kind in ("text", "json"):
            return f"JSON_EXTRACT({column}, %s)", (*params, path)
        types = _SQLITE_TYPES[self.kind]
        sql = f"CASE WHEN JSON_TYPE({column}, %s) IN ({types}) THEN JSON_EXTRACT({column}, %s) END"
        return sql, (*params, path, *params, path)

    def as_postgresql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.get_source_expressions()[0])
        if self.keys:
            path = list(self.keys)
            node, node_params = f"({column} #> %s)", (*params, path)
            text, text_params = f"({column} #>> %s)", (*params, path)
        else:  # the whole column; an empty path array would have no type to infer
            node, node_params = column, tuple(params)
            text, text_params = f"({column} #>> '{{}}')", tuple(params)
        if self.kind == "text":
            return text, text_params
        if self.kind == "json":
            return node, node_params
        sql = (
            f"CASE WHEN JSONB_TYPEOF({node}) = {_POSTGRES_TYPES[self.kind]} "
            f"THEN {text}{_POSTGRES_CASTS[self.kind]} END"
        )
        return sql, (*node_params, *text_params)

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("JSON property filters need SQLite or PostgreSQL")


class FractionalSeconds(Func):
    """OData ``fractionalseconds``: the fraction of the second, 0 <= f < 1."""

    arity = 1
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite keeps date-times and times as text ('2026-11-26 10:00:00.25' or '10:00:00');
        # the fraction is the text from the decimal point on.
        value, params = compiler.compile(self.get_source_expressions()[0])
        sql = (
            f"CASE WHEN {value} IS NULL THEN NULL "
            f"WHEN INSTR({value}, '.') > 0 "
            f"THEN CAST('0' || SUBSTR({value}, INSTR({value}, '.')) AS REAL) ELSE 0.0 END"
        )
        return sql, (*params, *params, *params, *params)

    def as_postgresql(self, compiler, connection, **extra_context):
        value, params = compiler.compile(self.get_source_expressions()[0])
        return f"(MOD(EXTRACT(MICROSECONDS FROM {value}), 1000000) / 1000000.0)", params

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("fractionalseconds() needs SQLite or PostgreSQL")


class OffsetMinutes(Func):
    """OData ``totaloffsetminutes``: 0 for every stored time (all are kept in UTC), NULL for
    a missing one."""

    arity = 1
    template = "CASE WHEN %(expressions)s IS NULL THEN NULL ELSE 0 END"
    output_field = IntegerField()
