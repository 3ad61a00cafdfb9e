"""`smartcity import-districts FILE.geojson`: official boundaries replace the demo ones."""

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from smartcity.config.cli import main
from smartcity.core.geography import geo, services
from smartcity.core.geography.models import Area


def utm_box(easting, northing, size_m):
    ring = [
        [easting, northing],
        [easting + size_m, northing],
        [easting + size_m, northing + size_m],
        [easting, northing + size_m],
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def lonlat_box(lon, lat, size=0.02):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def write(tmp_path, data, name="stadtbezirke.geojson"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def run(*args):
    out = StringIO()
    call_command("import_districts", *args, stdout=out)
    return out.getvalue()


def official_file(tmp_path):
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Altstadt", "kind": "stadtbezirk", "code": "00"},
                "geometry": lonlat_box(13.72, 51.03),
            },
            {
                "type": "Feature",
                "properties": {"name": "Neustadt", "kind": "stadtbezirk", "code": "10"},
                "geometry": lonlat_box(13.74, 51.06),
            },
        ],
    }
    return write(tmp_path, data)


def test_valid_file_replaces_the_demo_stadtbezirke(demo_areas, tmp_path):
    output = run(official_file(tmp_path))
    assert "stadtbezirke.geojson: 0 created, 2 updated, 0 unchanged, 8 removed" in output
    assert "removed: Pieschen, Klotzsche" in output
    altstadt = Area.objects.get(slug="altstadt")
    assert (altstadt.is_demo, altstadt.source, altstadt.code) == (
        False,
        "stadtbezirke.geojson",
        "00",
    )
    assert Area.objects.filter(kind="stadtbezirk").count() == 2
    assert Area.objects.filter(kind="ortschaft", is_demo=True).count() == 9
    assert services.area_at(13.73, 51.04).name == "Altstadt"


def test_dry_run_changes_nothing(demo_areas, tmp_path):
    before = list(Area.objects.values_list("slug", "is_demo", "updated_at"))
    output = run(official_file(tmp_path), "--dry-run")
    assert "dry run, nothing changed: would be 0 created, 2 updated" in output
    assert list(Area.objects.values_list("slug", "is_demo", "updated_at")) == before


def test_utm33n_file_with_property_mapping_is_transformed(db, tmp_path):
    e0, n0 = geo.to_utm33n(13.7416, 51.0519)
    data = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25833"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"BEZEICHNUNG": "Altstadt", "SBZ": 0},
                "geometry": utm_box(e0 - 1000, n0 - 1000, 2000),
            },
            {
                "type": "Feature",
                "properties": {"BEZEICHNUNG": "Neustadt", "SBZ": 10},
                "geometry": utm_box(e0 - 1000, n0 + 1000, 2000),
            },
        ],
    }
    path = write(tmp_path, data, "sbz_25833.geojson")
    output = run(
        path, "--kind", "stadtbezirk", "--name-property", "BEZEICHNUNG", "--code-property", "SBZ"
    )
    assert "2 created" in output
    altstadt = Area.objects.get(slug="altstadt")
    assert altstadt.area_km2 == pytest.approx(4.0, abs=1e-3)
    assert altstadt.code == "0"
    lon, lat = altstadt.geometry["coordinates"][0][0]
    assert 13.7 < lon < 13.8 and 51.0 < lat < 51.1
    assert services.area_at(13.7416, 51.0519).name == "Altstadt"
    assert services.area_at(13.7416, 51.0519 + 0.018).name == "Neustadt"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "{not json",
            "is not valid JSON: Expecting property name enclosed in double quotes at line 1",
        ),
        ('{"type": "Feature"}', "was not imported: the data is not a GeoJSON FeatureCollection"),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "Altstadt", "kind": "stadtbezirk"},
                        "geometry": {"type": "Point", "coordinates": [13.7, 51.0]},
                    }
                ],
            },
            "feature 0 (Altstadt): the geometry type must be Polygon or MultiPolygon, not 'Point'",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "Altstadt", "kind": "stadtbezirk"},
                        "geometry": utm_box(411000, 5656000, 1000),
                    }
                ],
            },
            "look like projected coordinates",
        ),
        (
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
                "features": [],
            },
            "unsupported coordinate reference system 'EPSG:3857'",
        ),
    ],
)
def test_bad_file_gives_a_command_error_with_the_reason(demo_areas, tmp_path, content, message):
    path = write(tmp_path, content)
    with pytest.raises(CommandError, match=re.escape(message)):
        run(path)
    assert Area.objects.filter(is_demo=True).count() == 20


def test_missing_file_gives_a_command_error(db, tmp_path):
    with pytest.raises(CommandError, match=r"cannot read .*missing\.geojson: No such file"):
        run(str(tmp_path / "missing.geojson"))


def test_cli_prints_the_reason_without_a_traceback(db, tmp_path, capsys):
    path = write(tmp_path, "{not json")
    with pytest.raises(SystemExit) as exit_info:
        main(["smartcity", "import-districts", path])
    assert exit_info.value.code == 1
    stderr = capsys.readouterr().err
    assert "CommandError:" in stderr and "is not valid JSON" in stderr
    assert "Traceback" not in stderr
