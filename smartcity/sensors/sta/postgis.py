"""PostGIS for the SensorThings geospatial filters on PostgreSQL; nothing on SQLite.

The ``$filter`` functions ``geo.*`` and ``st_*`` (see ``sta/spatial.py``) run on PostGIS
there. This module holds what the database needs, as one migration operation::

    from smartcity.sensors.sta.postgis import InstallPostGIS

    class Migration(migrations.Migration):
        operations = [InstallPostGIS()]

It creates the ``postgis`` extension (``CREATE EXTENSION IF NOT EXISTS``, which needs a role
allowed to create extensions, and the ``postgresql-15-postgis-3`` package on the server) and
the function ``sta_geometry(jsonb) -> geometry``, which turns stored GeoJSON (a geometry or a
``Feature``) into a valid PostGIS geometry in SRID 4326, and yields NULL for anything that
is not GeoJSON instead of raising, so one odd row cannot fail a whole request. Going back
drops the function and keeps the extension, which other apps may use. On SQLite both
directions do nothing.
"""

from django.db.migrations.operations.base import Operation

CREATE_EXTENSION = "CREATE EXTENSION IF NOT EXISTS postgis"

# Runs for each row a geospatial filter reads: IMMUTABLE and PARALLEL SAFE let PostgreSQL
# fold it for constants and use it in parallel plans. The EXCEPTION block catches what
# ST_GeomFromGeoJSON raises for malformed input (unknown type, too few points).
CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION sta_geometry(value jsonb) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    result geometry;
BEGIN
    IF value IS NULL OR jsonb_typeof(value) <> 'object' THEN
        RETURN NULL;
    END IF;
    IF value->>'type' = 'Feature' THEN
        value := value->'geometry';
        IF value IS NULL OR jsonb_typeof(value) <> 'object' THEN
            RETURN NULL;
        END IF;
    END IF;
    IF value->>'type' NOT IN ('Point', 'LineString', 'Polygon', 'MultiPoint',
                              'MultiLineString', 'MultiPolygon', 'GeometryCollection') THEN
        RETURN NULL;
    END IF;
    result := ST_GeomFromGeoJSON(value::text);
    IF result IS NULL OR ST_IsEmpty(result) THEN
        RETURN NULL;
    END IF;
    -- RFC 7946 structure, as spatial.well_formed checks it on SQLite: lines of two or
    -- more positions, closed rings of four or more.
    IF EXISTS (
        SELECT 1 FROM ST_Dump(result) AS part
        WHERE (GeometryType(part.geom) = 'LINESTRING' AND ST_NPoints(part.geom) < 2)
           OR (GeometryType(part.geom) = 'POLYGON' AND EXISTS (
                SELECT 1 FROM ST_DumpRings(part.geom) AS ring
                WHERE ST_NPoints(ring.geom) < 4 OR NOT ST_IsClosed(ring.geom)))
    ) THEN
        RETURN NULL;
    END IF;
    IF NOT ST_IsValid(result) THEN
        result := ST_MakeValid(result);
    END IF;
    RETURN ST_SetSRID(result, 4326);
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END;
$$
"""
DROP_FUNCTION = "DROP FUNCTION IF EXISTS sta_geometry(jsonb)"


def install(connection) -> None:
    """Create the extension and ``sta_geometry`` on a PostgreSQL connection (idempotent)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(CREATE_EXTENSION)
        cursor.execute(CREATE_FUNCTION)


class InstallPostGIS(Operation):
    """Migration operation: PostGIS and ``sta_geometry`` on PostgreSQL, a no-op elsewhere."""

    reversible = True
    reduces_to_sql = True

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(CREATE_EXTENSION)
            schema_editor.execute(CREATE_FUNCTION)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(DROP_FUNCTION)

    def describe(self):
        return "Install PostGIS and sta_geometry() for SensorThings geospatial filters"

    @property
    def migration_name_fragment(self):
        return "install_postgis"
