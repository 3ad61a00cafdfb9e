"""Geography use cases: the city boundary, Stadtbezirke and Ortschaften, for every app.

Other apps call these functions (never the Area table directly) to draw the areas on a map,
to find the district of a reported location or to check that a point lies in Dresden.
Coordinates are WGS84 longitude/latitude in degrees.
"""

import unicodedata
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Max
from django.utils.text import slugify

from smartcity.core.geography import geo
from smartcity.core.geography.geo import from_utm33n, to_utm33n
from smartcity.core.geography.models import Area

__all__ = [
    "AreaSpec",
    "ImportSummary",
    "area_at",
    "area_by_slug",
    "area_feature_collection",
    "areas_geojson",
    "city_boundary",
    "from_utm33n",
    "import_areas",
    "is_in_city",
    "list_areas",
    "parse_feature_collection",
    "slug_for",
    "to_utm33n",
    "write_areas",
]

KIND_ORDER = {Area.Kind.CITY: 0, Area.Kind.STADTBEZIRK: 1, Area.Kind.ORTSCHAFT: 2}
DISTRICT_KINDS = (Area.Kind.STADTBEZIRK, Area.Kind.ORTSCHAFT)
# Words an imported file may use for a kind (compared case-insensitively).
KIND_ALIASES = {
    "city": Area.Kind.CITY,
    "stadt": Area.Kind.CITY,
    "gemeinde": Area.Kind.CITY,
    "stadtbezirk": Area.Kind.STADTBEZIRK,
    "city district": Area.Kind.STADTBEZIRK,
    "district": Area.Kind.STADTBEZIRK,
    "ortschaft": Area.Kind.ORTSCHAFT,
    "locality": Area.Kind.ORTSCHAFT,
}
# /districts/lookup and /api/districts/lookup are routes, so no area may take this slug.
RESERVED_SLUGS = frozenset({"lookup"})
_NAME_MAX = Area._meta.get_field("name").max_length
_CODE_MAX = Area._meta.get_field("code").max_length
_SOURCE_MAX = Area._meta.get_field("source").max_length


def slug_for(name: str) -> str:
    """URL slug of an area name, with German transliteration (Schönfeld-Weißig ->
    schoenfeld-weissig) where Django's slugify alone would drop the letters."""
    german = str(name).translate(
        str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
    )
    return slugify(unicodedata.normalize("NFKC", german))


def _sort_key(area: Area):
    return (KIND_ORDER.get(area.kind, 9), area.code, area.name)


def _check_kinds(kinds) -> set[str] | None:
    if kinds is None:
        return None
    kinds = {kinds} if isinstance(kinds, str) else set(kinds)
    unknown = kinds - set(Area.Kind.values)
    if unknown:
        raise ValueError(f"unknown area kind(s): {', '.join(sorted(unknown))}")
    return kinds


def list_areas(kinds=None) -> list[Area]:
    """All areas (or those of ``kinds``): the city, Stadtbezirke by code, Ortschaften by name."""
    kinds = _check_kinds(kinds)
    areas = Area.objects.all() if kinds is None else Area.objects.filter(kind__in=kinds)
    return sorted(areas, key=_sort_key)


def area_by_slug(slug: str) -> Area | None:
    return Area.objects.filter(slug=slug).first()


def area_feature(area: Area) -> dict:
    return {
        "type": "Feature",
        "id": area.slug,
        "geometry": area.geometry,
        "properties": {
            "name": area.name,
            "slug": area.slug,
            "kind": area.kind,
            "code": area.code,
            "area_km2": round(area.area_km2, 2),
            "is_demo": area.is_demo,
            "url": area.get_absolute_url(),
        },
    }


def area_feature_collection(areas) -> dict:
    return {"type": "FeatureCollection", "features": [area_feature(a) for a in areas]}


def areas_geojson(kinds=None) -> dict:
    """A GeoJSON FeatureCollection (WGS84) of all areas, or of the given kinds.

    ``kinds``: None, one kind or an iterable of kinds ("city", "stadtbezirk", "ortschaft").
    Each feature's properties: name, slug, kind, code, area_km2, is_demo, url.
    """
    return area_feature_collection(list_areas(kinds))


def city_boundary() -> Area | None:
    """The city's own boundary, or None before any is loaded."""
    return Area.objects.filter(kind=Area.Kind.CITY).order_by("pk").first()


# Prepared shapes per process, rebuilt whenever the table changes. Every write goes
# through Model.save or delete, which moves the version (count, highest id, last update).
@dataclass(frozen=True)
class _Index:
    version: tuple
    entries: tuple  # (area id, kind, prepared shapely geometry), in _sort_key order


_index: _Index | None = None


def _current_index() -> _Index:
    global _index
    stats = Area.objects.aggregate(n=Count("id"), top=Max("id"), changed=Max("updated_at"))
    version = (stats["n"], stats["top"], stats["changed"])
    if _index is None or _index.version != version:
        areas = sorted(Area.objects.only("id", "kind", "code", "name", "geometry"), key=_sort_key)
        entries = tuple((a.pk, a.kind, geo.prepared(a.geometry)) for a in areas)
        _index = _Index(version=version, entries=entries)
    return _index


def _covering(lon: float, lat: float, kinds, index: _Index | None = None) -> int | None:
    geo.check_lon_lat(lon, lat)
    for pk, kind, shape in (index or _current_index()).entries:
        if kind in kinds and geo.covers_point(shape, lon, lat):
            return pk
    return None


def area_at(lon: float, lat: float) -> Area | None:
    """The Stadtbezirk or Ortschaft containing the WGS84 point, or None.

    None outside the city, and also inside it where no district covers the point (when
    only a city boundary is loaded). A point on a shared border goes to the first area
    in list order. Raises ValueError for coordinates outside lon -180..180, lat -90..90.
    """
    pk = _covering(lon, lat, DISTRICT_KINDS)
    return None if pk is None else Area.objects.filter(pk=pk).first()


def is_in_city(lon: float, lat: float) -> bool:
    """Whether the WGS84 point lies in the city (its boundary, or else any district)."""
    index = _current_index()
    has_city = any(kind == Area.Kind.CITY for _pk, kind, _shape in index.entries)
    kinds = (Area.Kind.CITY,) if has_city else DISTRICT_KINDS
    return _covering(lon, lat, kinds, index) is not None


@dataclass(frozen=True)
class AreaSpec:
    """One validated area, ready to write (geometry normalised to WGS84)."""

    name: str
    slug: str
    kind: str
    code: str
    geometry: dict
    is_demo: bool = False
    source: str = ""


@dataclass
class ImportSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    dry_run: bool = False

    def __str__(self):
        counts = (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed"
        )
        return f"dry run, nothing changed: would be {counts}" if self.dry_run else counts


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _parse_feature(index, feature, *, epsg, name_property, kind_property, kind, code_property):
    """(spec fields, problems) for one feature; problems name the feature."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return None, [f"feature {index}: not a GeoJSON Feature"]
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        return None, [f"feature {index}: its properties must be an object"]
    name = _text(properties.get(name_property))
    label = f"feature {index} ({name})" if name else f"feature {index}"
    problems = []
    if not name:
        problems.append(f"{label}: no name in property {name_property!r}")
    elif len(name) > _NAME_MAX:
        problems.append(f"{label}: the name is longer than {_NAME_MAX} characters")
    raw_kind = kind if kind is not None else _text(properties.get(kind_property))
    area_kind = KIND_ALIASES.get(raw_kind.lower())
    if area_kind is None:
        problems.append(
            f"{label}: kind {raw_kind!r} (property {kind_property!r}) is not one of "
            f"{', '.join(Area.Kind.values)}"
        )
    code = _text(properties.get(code_property))
    if len(code) > _CODE_MAX:
        problems.append(f"{label}: the code {code!r} is longer than {_CODE_MAX} characters")
    try:
        geometry = geo.validate_geometry(feature.get("geometry"), source_epsg=epsg)
    except ValueError as exc:
        problems.append(f"{label}: {exc}")
        geometry = None
    slug = slug_for(name)
    if name and not slug:
        problems.append(f"{label}: the name gives no usable URL slug")
    elif slug in RESERVED_SLUGS:
        problems.append(f"{label}: the name {name!r} is reserved")
    if problems:
        return None, problems
    return {"name": name, "slug": slug, "kind": area_kind, "code": code, "geometry": geometry}, []


def parse_feature_collection(
    data,
    *,
    name_property: str = "name",
    kind_property: str = "kind",
    kind: str | None = None,
    code_property: str = "code",
    is_demo: bool = False,
    source: str = "",
) -> list[AreaSpec]:
    """Validate a GeoJSON FeatureCollection of areas; raise ValueError listing every problem.

    Coordinates are WGS84, or EPSG:25833 when a ``crs`` member names it. ``kind`` fixes
    the kind of every feature; otherwise it is read from ``kind_property`` (city,
    stadtbezirk or ortschaft; English and German words are accepted).
    """
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValueError("the data is not a GeoJSON FeatureCollection")
    epsg = geo.crs_epsg(data)
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise ValueError("the FeatureCollection has no features")
    if kind is not None and kind.lower() not in KIND_ALIASES:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(Area.Kind.values)}")
    if len(source) > _SOURCE_MAX:
        raise ValueError(f"the source is longer than {_SOURCE_MAX} characters")
    specs, problems, seen = [], [], {}
    for index, feature in enumerate(features):
        fields, feature_problems = _parse_feature(
            index,
            feature,
            epsg=epsg,
            name_property=name_property,
            kind_property=kind_property,
            kind=kind,
            code_property=code_property,
        )
        problems += feature_problems
        if fields is None:
            continue
        if fields["slug"] in seen:
            problems.append(
                f"feature {index} ({fields['name']}): same name as feature {seen[fields['slug']]}"
            )
        seen[fields["slug"]] = index
        specs.append(AreaSpec(**fields, is_demo=is_demo, source=source))
    if sum(spec.kind == Area.Kind.CITY for spec in specs) > 1:
        problems.append("more than one feature has the kind city")
    if problems:
        shown = problems[:20]
        more = f"\n- ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise ValueError(f"{len(problems)} problem(s) in the data:\n- " + "\n- ".join(shown) + more)
    return specs


_SPEC_FIELDS = ("name", "kind", "code", "geometry", "is_demo", "source")


def write_areas(specs: list[AreaSpec], *, replace: bool, dry_run: bool = False) -> ImportSummary:
    """Create or update areas by slug in one transaction; ValueError if a kind would change.

    ``replace``: areas of the kinds present in ``specs`` that ``specs`` do not name are
    deleted, so a file of the ten official Stadtbezirke replaces the ten demo ones and
    leaves the Ortschaften and the city alone. ``dry_run`` rolls everything back.
    """
    summary = ImportSummary(dry_run=dry_run)
    with transaction.atomic():
        existing = {
            area.slug: area for area in Area.objects.filter(slug__in=[s.slug for s in specs])
        }
        clashes = [
            f"{spec.name!r} is a {spec.kind} in the data, but the existing area "
            f"{existing[spec.slug].name!r} with that name is a {existing[spec.slug].kind}; "
            "delete it first if its kind really changes"
            for spec in specs
            if spec.slug in existing and existing[spec.slug].kind != spec.kind
        ]
        if clashes:
            raise ValueError("; ".join(clashes))
        for spec in specs:
            values = {name: getattr(spec, name) for name in _SPEC_FIELDS}
            area = existing.get(spec.slug)
            if area is None:
                Area.objects.create(slug=spec.slug, **values)
                summary.created.append(spec.name)
            elif any(getattr(area, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(area, name, value)
                area.save()
                summary.updated.append(spec.name)
            else:
                summary.unchanged.append(spec.name)
        if replace:
            stale = Area.objects.filter(kind__in={s.kind for s in specs}).exclude(
                slug__in=[s.slug for s in specs]
            )
            for area in sorted(stale, key=_sort_key):
                summary.removed.append(area.name)
                area.delete()
        if dry_run:
            transaction.set_rollback(True)
    return summary


def import_areas(
    geojson_dict,
    *,
    replace: bool = True,
    dry_run: bool = False,
    name_property: str = "name",
    kind_property: str = "kind",
    kind: str | None = None,
    code_property: str = "code",
    source: str = "imported GeoJSON",
    is_demo: bool = False,
) -> ImportSummary:
    """Validate a whole FeatureCollection first, then write it atomically (see write_areas).

    Raises ValueError naming each bad feature (index and name) and its problem; nothing is
    written then.
    """
    specs = parse_feature_collection(
        geojson_dict,
        name_property=name_property,
        kind_property=kind_property,
        kind=kind,
        code_property=code_property,
        is_demo=is_demo,
        source=source,
    )
    return write_areas(specs, replace=replace, dry_run=dry_run)
