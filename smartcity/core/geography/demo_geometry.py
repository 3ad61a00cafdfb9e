"""Generator of the approximate demo geometry of Dresden and its 19 districts and localities.

The official boundaries are published by the City of Dresden (Amt für Geodaten und Kataster)
and are loaded with ``smartcity import-districts``. Until then the platform needs plausible
areas that tile the city, so this module draws them:

1. ``OUTLINE``: a hand-drawn polygon of 43 vertices that roughly follows Dresden's city
   boundary (west-east about 27 km, north-south about 22.5 km, about 330 km²; the official
   area is 328.5 km², Statistisches Landesamt Sachsen).
2. ``CENTRES``: an approximate real centre point of each Stadtbezirk (city district) and
   Ortschaft (locality).
3. A Voronoi partition around the centres (``shapely.voronoi_polygons``), computed in
   ETRS89 / UTM 33N (EPSG:25833) so that distances are metres, not degrees, and clipped to
   the outline. Every point of the city then belongs to the area whose centre is nearest.

The result is written to ``data/dresden_demo_areas.geojson`` (WGS84) and committed; run
``python -m smartcity.core.geography.demo_geometry`` to write it again. The Stadtbezirk
codes (00 to 90) are illustrative; the city's code is Dresden's official municipality key
(Amtlicher Gemeindeschlüssel 14612000).

No Django import: this is a build script, not run by the platform.
"""

import json
from itertools import combinations
from pathlib import Path

import shapely

from smartcity.core.geography import geo

DATA_FILE = Path(__file__).resolve().parent / "data" / "dresden_demo_areas.geojson"
SOURCE = "approximate demo geometry"
CITY = ("Dresden", "14612000")

# (lon, lat) in degrees WGS84, clockwise from Oberwartha in the west.
OUTLINE = [
    (13.579, 51.093), (13.586, 51.106), (13.602, 51.111), (13.626, 51.100), (13.652, 51.090),
    (13.672, 51.086), (13.684, 51.097), (13.694, 51.108), (13.706, 51.119), (13.728, 51.124),
    (13.750, 51.131), (13.763, 51.155), (13.766, 51.177), (13.788, 51.172), (13.812, 51.160),
    (13.838, 51.148), (13.866, 51.143), (13.890, 51.143), (13.915, 51.136), (13.908, 51.118),
    (13.893, 51.104), (13.900, 51.090), (13.935, 51.080), (13.962, 51.068), (13.955, 51.046),
    (13.942, 51.026), (13.900, 51.014), (13.892, 50.996), (13.868, 50.993), (13.842, 50.988),
    (13.818, 50.986), (13.796, 50.975), (13.772, 50.978), (13.752, 50.990), (13.730, 50.996),
    (13.708, 51.008), (13.690, 51.024), (13.664, 51.027), (13.640, 51.024), (13.618, 51.037),
    (13.600, 51.050), (13.588, 51.066), (13.592, 51.080),
]  # fmt: skip

# (name, kind, code, (lon, lat) of the approximate centre)
CENTRES = [
    ("Altstadt", "stadtbezirk", "00", (13.750, 51.047)),
    ("Neustadt", "stadtbezirk", "10", (13.762, 51.072)),
    ("Pieschen", "stadtbezirk", "20", (13.712, 51.083)),
    ("Klotzsche", "stadtbezirk", "30", (13.765, 51.118)),
    ("Loschwitz", "stadtbezirk", "40", (13.835, 51.070)),
    ("Blasewitz", "stadtbezirk", "50", (13.800, 51.043)),
    ("Leuben", "stadtbezirk", "60", (13.845, 51.010)),
    ("Prohlis", "stadtbezirk", "70", (13.790, 51.000)),
    ("Plauen", "stadtbezirk", "80", (13.718, 51.025)),
    ("Cotta", "stadtbezirk", "90", (13.680, 51.055)),
    ("Altfranken", "ortschaft", "", (13.655, 51.033)),
    ("Cossebaude", "ortschaft", "", (13.633, 51.088)),
    ("Gompitz", "ortschaft", "", (13.628, 51.043)),
    ("Langebrück", "ortschaft", "", (13.842, 51.130)),
    ("Mobschatz", "ortschaft", "", (13.620, 51.067)),
    ("Oberwartha", "ortschaft", "", (13.598, 51.097)),
    ("Schönborn", "ortschaft", "", (13.893, 51.128)),
    ("Schönfeld-Weißig", "ortschaft", "", (13.910, 51.050)),
    ("Weixdorf", "ortschaft", "", (13.790, 51.152)),
]

# Demo data may deviate from the official 328.5 km² by this much.
AREA_TOLERANCE_KM2 = 5.0
OFFICIAL_AREA_KM2 = 328.5


def _feature(name: str, code: str, kind: str, geometry: shapely.Geometry) -> dict:
    return {
        "type": "Feature",
        "properties": {"name": name, "kind": kind, "code": code, "is_demo": True, "source": SOURCE},
        "geometry": geo.validate_geometry(shapely.geometry.mapping(geometry)),
    }


def build() -> dict:
    """The demo FeatureCollection: the city first, then the 19 Voronoi cells."""
    outline_utm = geo.project(shapely.Polygon(OUTLINE), geo.WGS84, geo.UTM33N)
    seeds_utm = shapely.MultiPoint([geo.to_utm33n(*centre) for *_, centre in CENTRES])
    cells_utm = shapely.voronoi_polygons(seeds_utm, extend_to=outline_utm.buffer(10_000))
    features = []
    for (name, kind, code, _centre), seed in zip(CENTRES, seeds_utm.geoms, strict=True):
        cell = next(c for c in cells_utm.geoms if c.contains(seed))
        clipped = geo.project(cell.intersection(outline_utm), geo.UTM33N, geo.WGS84)
        features.append(_feature(name, code, kind, clipped))
    # The city is the union of the stored cells rather than OUTLINE itself: an edge that is
    # straight in UTM bends slightly in lon/lat, which would leave hairline gaps.
    city = shapely.coverage_union_all([geo.to_shape(f["geometry"]) for f in features])
    return {"type": "FeatureCollection", "features": [_feature(*CITY, "city", city), *features]}


def check(feature_collection: dict) -> list[str]:
    """Problems with the demo data; an empty list when it is sound.

    The areas other than the city must each contain their centre, form a valid coverage
    (no overlaps, shared edges matching, ``shapely.coverage_is_valid``), fill the city
    boundary and add up to about Dresden's official 328.5 km².
    """
    problems = []
    by_name = {f["properties"]["name"]: f for f in feature_collection["features"]}
    city = geo.to_shape(by_name[CITY[0]]["geometry"])
    parts = [geo.to_shape(by_name[name]["geometry"]) for name, *_ in CENTRES]
    for (name, _kind, _code, centre), part in zip(CENTRES, parts, strict=True):
        if not geo.covers_point(part, *centre):
            problems.append(f"{name}: its centre {centre} lies outside its area")
    if not shapely.coverage_is_valid(shapely.GeometryCollection(parts)):
        problems.append("the areas overlap or their shared edges do not match")
    for (a, pa), (b, pb) in combinations(zip([c[0] for c in CENTRES], parts, strict=True), 2):
        if pa.intersection(pb).area > 0:
            problems.append(f"{a} and {b} overlap")
    gap_km2 = geo.area_km2(city.difference(shapely.union_all(parts)))
    if gap_km2 > 0:
        problems.append(f"the areas leave {gap_km2:.9f} km² of the city uncovered")
    total_km2 = sum(geo.area_km2(part) for part in parts)
    if abs(total_km2 - OFFICIAL_AREA_KM2) > AREA_TOLERANCE_KM2:
        problems.append(f"the areas add up to {total_km2:.1f} km², not about {OFFICIAL_AREA_KM2}")
    return problems


def main() -> None:
    feature_collection = build()
    problems = check(feature_collection)
    if problems:
        raise SystemExit("\n".join(problems))
    DATA_FILE.parent.mkdir(exist_ok=True)
    DATA_FILE.write_text(
        json.dumps(feature_collection, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    for feature in feature_collection["features"]:
        props = feature["properties"]
        print(
            f"{props['kind']:<12} {props['name']:<18} {geo.area_km2(feature['geometry']):6.1f} km²"
        )
    print(f"written to {DATA_FILE}")


if __name__ == "__main__":
    main()
