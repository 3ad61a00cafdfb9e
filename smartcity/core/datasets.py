"""The open-data registry: every app describes its public datasets here once.

An app builds a :class:`Dataset` (metadata, typed fields, a row source, optionally a geometry)
and calls :func:`register` from its ``AppConfig.ready()``. The platform then serves each
dataset as CSV, as GeoJSON when it has a geometry, as a web page and through the JSON API.
This module holds the registry, the serialisers and the metadata; it knows nothing of views.

Vocabularies follow DCAT-AP 2 / DCAT-AP.de 2: themes are the EU "data-theme" authority table
(http://publications.europa.eu/resource/authority/data-theme), update frequencies the EU
"frequency" authority table (http://publications.europa.eu/resource/authority/frequency) and
licences the DCAT-AP.de licence vocabulary (https://www.dcat-ap.de/def/licenses/).

Formats:

- CSV after RFC 4180: ``,`` separator, ``"`` quoting where a value needs it, CRLF line ends,
  one header line of field names. UTF-8 *without* a byte order mark: the files are for
  programs first (CKAN's DataStore, pandas, R, the ``csv`` module all read clean UTF-8, while a
  BOM leaks into the first column name of naive readers), and a BOM would not make a
  double-click in a German Excel work anyway, because that Excel expects ``;``; its
  "From Text/CSV" import reads UTF-8 and commas correctly.
- GeoJSON after RFC 7946: a FeatureCollection in WGS 84 with positions as [longitude, latitude],
  one Feature per row, the fields as properties.

Values: ``None`` is an empty CSV cell and JSON ``null``; dates and datetimes are ISO 8601;
booleans are ``true``/``false``; non-finite numbers (NaN, ±infinity) have no representation in
JSON (RFC 8259 §6) and none that CSV readers agree on, so they are published as missing values.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")
FIELD_NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")

FIELD_TYPES = {
    "string": gettext_lazy("text"),
    "integer": gettext_lazy("whole number"),
    "number": gettext_lazy("decimal number"),
    "boolean": gettext_lazy("yes/no (true/false)"),
    "date": gettext_lazy("date (ISO 8601)"),
    "datetime": gettext_lazy("date and time (ISO 8601)"),
}

THEME_BASE_URI = "http://publications.europa.eu/resource/authority/data-theme/"
THEMES = {
    "AGRI": gettext_lazy("Agriculture, fisheries, forestry and food"),
    "ECON": gettext_lazy("Economy and finance"),
    "EDUC": gettext_lazy("Education, culture and sport"),
    "ENER": gettext_lazy("Energy"),
    "ENVI": gettext_lazy("Environment"),
    "GOVE": gettext_lazy("Government and public sector"),
    "HEAL": gettext_lazy("Health"),
    "INTR": gettext_lazy("International issues"),
    "JUST": gettext_lazy("Justice, legal system and public safety"),
    "REGI": gettext_lazy("Regions and cities"),
    "SOCI": gettext_lazy("Population and society"),
    "TECH": gettext_lazy("Science and technology"),
    "TRAN": gettext_lazy("Transport"),
}

FREQUENCY_BASE_URI = "http://publications.europa.eu/resource/authority/frequency/"
FREQUENCIES = {
    "CONT": gettext_lazy("continuous"),
    "UPDATE_CONT": gettext_lazy("continuously updated"),
    "HOURLY": gettext_lazy("hourly"),
    "DAILY": gettext_lazy("daily"),
    "WEEKLY": gettext_lazy("weekly"),
    "MONTHLY": gettext_lazy("monthly"),
    "QUARTERLY": gettext_lazy("quarterly"),
    "ANNUAL": gettext_lazy("annual"),
    "IRREG": gettext_lazy("irregular"),
    "NEVER": gettext_lazy("never (historical data)"),
    "UNKNOWN": gettext_lazy("unknown"),
    "OTHER": gettext_lazy("other"),
}

# Nesting depth of the position arrays in "coordinates", RFC 7946 §3.1.2-3.1.7.
_GEOMETRY_DEPTH = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
GEOJSON_MEDIA_TYPE = "application/geo+json"

# Rows fetched per database round trip when a row source is a queryset.
QUERYSET_CHUNK_SIZE = 2000
# Bytes collected before a streamed response writes to the socket.
STREAM_CHUNK_BYTES = 64 * 1024


class DatasetError(ValueError):
    """A dataset description is invalid or its slug is taken."""


class UnknownDataset(LookupError):
    """No dataset is registered under this slug."""


class DatasetRowError(ValueError):
    """A row does not match the dataset's fields or carries an invalid geometry."""


@dataclass(frozen=True)
class Licence:
    id: str
    title: str
    url: str
    uri: str
    requires_attribution: bool = True


DL_DE_BY_2_0 = Licence(
    id="dl-de/by-2-0",
    title="Datenlizenz Deutschland – Namensnennung – Version 2.0",
    url="https://www.govdata.de/dl-de/by-2-0",
    uri="http://dcat-ap.de/def/licenses/dl-by-de/2.0",
)
DL_DE_ZERO_2_0 = Licence(
    id="dl-de/zero-2-0",
    title="Datenlizenz Deutschland – Zero – Version 2.0",
    url="https://www.govdata.de/dl-de/zero-2-0",
    uri="http://dcat-ap.de/def/licenses/dl-zero-de/2.0",
    requires_attribution=False,
)
CC_BY_4_0 = Licence(
    id="cc-by-4.0",
    title="Creative Commons Namensnennung – 4.0 International (CC BY 4.0)",
    url="https://creativecommons.org/licenses/by/4.0/",
    uri="http://dcat-ap.de/def/licenses/cc-by/4.0",
)
CC_ZERO_1_0 = Licence(
    id="cc-zero-1.0",
    title="Creative Commons CC Zero 1.0 Universell",
    url="https://creativecommons.org/publicdomain/zero/1.0/",
    uri="http://dcat-ap.de/def/licenses/cc-zero",
    requires_attribution=False,
)
LICENCES = {
    licence.id: licence for licence in (DL_DE_BY_2_0, DL_DE_ZERO_2_0, CC_BY_4_0, CC_ZERO_1_0)
}


@dataclass(frozen=True)
class Field:
    """One column of a dataset: ``name`` is the CSV header and GeoJSON property key."""

    name: str
    title: str
    type: str = "string"
    description: str = ""
    unit: str = ""


@dataclass(frozen=True, kw_only=True)
class Dataset:
    """An open dataset.

    ``rows`` is a zero-argument callable. Without ``row`` it returns an iterable of mappings
    keyed by field name. With ``row`` it returns objects (typically a queryset, which is read
    with ``.iterator()`` so that a large table never sits in memory) and ``row`` turns each
    into such a mapping. Keys beyond the fields are not published, so a row may carry what
    ``geometry`` needs. ``geometry`` maps a row to a GeoJSON geometry in WGS 84 (or ``None``
    for a row without location); a dataset with a geometry is offered as GeoJSON too.
    ``publisher`` is an organisation's slug or a name. ``licence`` is a :class:`Licence` or the
    id of one in :data:`LICENCES`.
    """

    slug: str
    title: str
    description: str
    publisher: str
    theme: str
    fields: Sequence[Field]
    rows: Callable[[], Iterable[Any]]
    row: Callable[[Any], Mapping[str, Any]] | None = None
    geometry: Callable[[Mapping[str, Any]], Mapping[str, Any] | None] | None = None
    licence: Licence | str = DL_DE_BY_2_0
    keywords: Sequence[str] = ()
    update_frequency: str = "UNKNOWN"
    temporal_coverage: str = ""
    spatial_coverage: str = ""
    is_demo: bool = False

    def __post_init__(self):
        # Frozen: normalise through object.__setattr__ so that callers may pass lists.
        object.__setattr__(self, "fields", tuple(self.fields))
        object.__setattr__(self, "keywords", tuple(self.keywords))
        if isinstance(self.licence, str) and self.licence in LICENCES:
            object.__setattr__(self, "licence", LICENCES[self.licence])

    @property
    def has_geometry(self) -> bool:
        return self.geometry is not None

    @property
    def formats(self) -> tuple[str, ...]:
        return ("csv", "geojson") if self.has_geometry else ("csv",)


# --- Registry ------------------------------------------------------------------------------

_registry: dict[str, Dataset] = {}


def validate(dataset: Dataset) -> list[str]:
    """The problems of a dataset description, empty when it can be registered."""
    problems = []
    if not isinstance(dataset.slug, str) or not SLUG_PATTERN.match(dataset.slug):
        problems.append(
            f"slug {dataset.slug!r} must be 1-100 lower-case letters, digits and inner hyphens"
        )
    for attribute in ("title", "description", "publisher"):
        if not str(getattr(dataset, attribute) or "").strip():
            problems.append(f"{attribute} is empty")
    if dataset.theme not in THEMES:
        problems.append(f"theme {dataset.theme!r} is not one of {', '.join(THEMES)}")
    if dataset.update_frequency not in FREQUENCIES:
        problems.append(
            f"update_frequency {dataset.update_frequency!r} is not one of {', '.join(FREQUENCIES)}"
        )
    if not isinstance(dataset.licence, Licence):
        problems.append(f"licence {dataset.licence!r} is not one of {', '.join(LICENCES)}")
    if not dataset.fields:
        problems.append("fields is empty")
    seen = set()
    for field in dataset.fields:
        if not isinstance(field, Field):
            problems.append(f"{field!r} is not a Field")
            continue
        if not FIELD_NAME_PATTERN.match(field.name):
            problems.append(
                f"field name {field.name!r} must be a letter or _ then letters, digits, _"
            )
        if field.name in seen:
            problems.append(f"field name {field.name!r} appears twice")
        seen.add(field.name)
        if field.type not in FIELD_TYPES:
            problems.append(
                f"field {field.name!r} has type {field.type!r}, not one of {', '.join(FIELD_TYPES)}"
            )
        if not str(field.title or "").strip():
            problems.append(f"field {field.name!r} has no title")
    for attribute, required in (("rows", True), ("row", False), ("geometry", False)):
        value = getattr(dataset, attribute)
        if (required or value is not None) and not callable(value):
            problems.append(f"{attribute} is not callable")
    if any(not str(keyword).strip() for keyword in dataset.keywords):
        problems.append("keywords contain an empty keyword")
    return problems


def register(dataset: Dataset) -> Dataset:
    """Add a dataset to the registry; raise :class:`DatasetError` if it is invalid or taken."""
    problems = validate(dataset)
    if not problems and dataset.slug in _registry:
        problems.append(f"slug {dataset.slug!r} is already registered")
    if problems:
        raise DatasetError(f"Invalid dataset {dataset.slug!r}: " + "; ".join(problems))
    _registry[dataset.slug] = dataset
    return dataset


def unregister(slug: str) -> None:
    """Remove a dataset; raise :class:`UnknownDataset` if there is none under ``slug``."""
    if _registry.pop(slug, None) is None:
        raise UnknownDataset(slug)


@contextlib.contextmanager
def registered(dataset: Dataset) -> Iterator[Dataset]:
    """Register a dataset for the duration of a ``with`` block (for tests)."""
    register(dataset)
    try:
        yield dataset
    finally:
        unregister(dataset.slug)


def is_registered(slug: str) -> bool:
    return slug in _registry


def get(slug: str) -> Dataset:
    """The dataset registered under ``slug``; raise :class:`UnknownDataset` if there is none."""
    try:
        return _registry[slug]
    except (KeyError, TypeError):
        raise UnknownDataset(slug) from None


def all_datasets() -> list[Dataset]:
    """All datasets, ordered by their title in the active language."""
    return sorted(_registry.values(), key=lambda dataset: str(dataset.title).casefold())


def all_keywords() -> list[str]:
    keywords = {str(keyword) for dataset in _registry.values() for keyword in dataset.keywords}
    return sorted(keywords, key=str.casefold)


def with_keyword(datasets: Iterable[Dataset], keyword: str) -> list[Dataset]:
    """The datasets carrying ``keyword`` (compared case-insensitively); all of them if empty."""
    wanted = keyword.strip().casefold()
    if not wanted:
        return list(datasets)
    return [d for d in datasets if any(str(k).casefold() == wanted for k in d.keywords)]


# --- Rows and values -----------------------------------------------------------------------


def _source(dataset: Dataset, limit: int | None) -> Iterable[Any]:
    source = dataset.rows()
    # Duck-typed so that this module needs no ORM import: a queryset is sliced in the database
    # and read in chunks instead of being cached whole.
    if callable(getattr(source, "iterator", None)):
        if limit is not None:
            source = source[:limit]
        return source.iterator(chunk_size=QUERYSET_CHUNK_SIZE)
    return itertools.islice(source, limit) if limit is not None else source


def iter_rows(dataset: Dataset, limit: int | None = None) -> Iterator[Mapping[str, Any]]:
    """The dataset's rows as mappings, at most ``limit`` of them."""
    for item in _source(dataset, limit):
        yield dataset.row(item) if dataset.row is not None else item


def _value(dataset: Dataset, field: Field, value: Any, number: int) -> Any:
    """A row value as None, str, int, float or bool, checked against the field's type."""
    if value is None:
        return None

    def wrong(expected: str) -> DatasetRowError:
        return DatasetRowError(
            f"Dataset {dataset.slug!r}, row {number}: field {field.name!r} expects {expected}, "
            f"got {type(value).__name__} {value!r:.60}"
        )

    kind = field.type
    if kind == "string":
        if isinstance(value, dict | list | tuple | set | bytes):
            raise wrong("text")
        return str(value)
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong("an integer")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise wrong("a number")
        if isinstance(value, int):
            return value
        number_value = float(value)
        return number_value if math.isfinite(number_value) else None
    if kind == "boolean":
        if not isinstance(value, bool):
            raise wrong("a boolean")
        return value
    if kind == "datetime":
        if not isinstance(value, dt.datetime):
            raise wrong("a datetime")
        return value.isoformat()
    if kind == "date":
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise wrong("a date")
        return value.isoformat()
    raise DatasetError(f"Dataset {dataset.slug!r}: unknown field type {kind!r}")


def iter_records(
    dataset: Dataset, limit: int | None = None
) -> Iterator[tuple[Mapping[str, Any], list[Any]]]:
    """Each row with its field values in field order, normalised (see the module docstring)."""
    for number, row in enumerate(iter_rows(dataset, limit), start=1):
        if not isinstance(row, Mapping):
            raise DatasetRowError(
                f"Dataset {dataset.slug!r}, row {number}: expected a mapping, "
                f"got {type(row).__name__}"
            )
        values = []
        for field in dataset.fields:
            if field.name not in row:
                raise DatasetRowError(
                    f"Dataset {dataset.slug!r}, row {number}: field {field.name!r} is missing"
                )
            values.append(_value(dataset, field, row[field.name], number))
        yield row, values


# Text a spreadsheet would run as a formula ("CSV injection", OWASP): such cells are
# written with a leading apostrophe, which spreadsheets show as text and drop.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: Any) -> str:
    """A value as CSV cell text: empty for None, ``true``/``false``, JSON for objects and
    lists, and text starting like a formula defused with a leading apostrophe (numbers,
    negative ones included, stay as they are)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return str(value)


# --- CSV -----------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The header and the rows as CSV lines (RFC 4180, CRLF line ends), every value through
    :func:`cell_text`."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield writer.writerow(header)
    for values in rows:
        yield writer.writerow([cell_text(value) for value in values])


def rows_to_csv(dataset: Dataset) -> Iterator[str]:
    """The dataset as CSV lines (RFC 4180, CRLF line ends), the header line first."""
    header = [field.name for field in dataset.fields]
    return csv_lines(header, (values for _row, values in iter_records(dataset)))


# --- GeoJSON -------------------------------------------------------------------------------


def _check_position(position: Any) -> str | None:
    if not isinstance(position, list | tuple) or len(position) not in (2, 3):
        return "a position must be [longitude, latitude] or [longitude, latitude, height]"
    if not all(
        isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c)
        for c in position
    ):
        return "a position must hold finite numbers"
    longitude, latitude = position[0], position[1]
    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
        return f"position {list(position)} is outside WGS 84 longitude/latitude ranges"
    return None


def _check_coordinates(coordinates: Any, depth: int) -> str | None:
    if depth == 0:
        return _check_position(coordinates)
    if not isinstance(coordinates, list | tuple):
        return "coordinates are not nested as the geometry type requires"
    for item in coordinates:
        problem = _check_coordinates(item, depth - 1)
        if problem:
            return problem
    return None


def geometry_problem(geometry: Any) -> str | None:
    """Why ``geometry`` is not an RFC 7946 geometry object in WGS 84, or None if it is."""
    if not isinstance(geometry, Mapping):
        return "a geometry must be a mapping"
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        members = geometry.get("geometries")
        if not isinstance(members, list | tuple):
            return "a GeometryCollection needs a 'geometries' array"
        for member in members:
            problem = geometry_problem(member)
            if problem:
                return problem
        return None
    if kind not in _GEOMETRY_DEPTH:
        return f"unknown geometry type {kind!r}"
    if "coordinates" not in geometry:
        return f"a {kind} needs 'coordinates'"
    return _check_coordinates(geometry["coordinates"], _GEOMETRY_DEPTH[kind])


def iter_features(dataset: Dataset) -> Iterator[dict]:
    """One GeoJSON Feature per row; a row whose geometry is None gets ``"geometry": null``."""
    if dataset.geometry is None:
        raise DatasetError(f"Dataset {dataset.slug!r} has no geometry")
    names = [field.name for field in dataset.fields]
    for number, (row, values) in enumerate(iter_records(dataset), start=1):
        geometry = dataset.geometry(row)
        if geometry is not None:
            problem = geometry_problem(geometry)
            if problem:
                raise DatasetRowError(f"Dataset {dataset.slug!r}, row {number}: {problem}")
        yield {
            "type": "Feature",
            "geometry": geometry,
            "properties": dict(zip(names, values, strict=True)),
        }


def rows_to_geojson(dataset: Dataset) -> dict:
    """The dataset as an RFC 7946 FeatureCollection, built in memory (for small datasets)."""
    return {"type": "FeatureCollection", "features": list(iter_features(dataset))}


def geojson_text(dataset: Dataset) -> Iterator[str]:
    """The FeatureCollection as JSON text, one feature at a time, for streaming."""
    yield '{"type":"FeatureCollection","features":['
    for index, feature in enumerate(iter_features(dataset)):
        text = json.dumps(feature, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        yield text if index == 0 else "," + text
    yield "]}\n"


# --- Streaming -----------------------------------------------------------------------------


def encode_chunks(pieces: Iterable[str], size: int = STREAM_CHUNK_BYTES) -> Iterator[bytes]:
    """UTF-8 bytes in chunks of about ``size``, so a stream is not written line by line."""
    buffer: list[bytes] = []
    filled = 0
    for piece in pieces:
        data = piece.encode("utf-8")
        buffer.append(data)
        filled += len(data)
        if filled >= size:
            yield b"".join(buffer)
            buffer, filled = [], 0
    if buffer:
        yield b"".join(buffer)


# --- Metadata ------------------------------------------------------------------------------


def sample(dataset: Dataset, size: int = 10) -> list[list[str]]:
    """The first ``size`` rows as CSV cell texts, in field order."""
    return [[cell_text(value) for value in values] for _row, values in iter_records(dataset, size)]


def publisher_names(datasets: Iterable[Dataset]) -> dict[str, str]:
    """Each publisher value mapped to a display name: an organisation's name for its slug."""
    from smartcity.core.accounts.models import Organisation

    publishers = {dataset.publisher for dataset in datasets}
    names = dict(Organisation.objects.filter(slug__in=publishers).values_list("slug", "name"))
    return {publisher: names.get(publisher, publisher) for publisher in publishers}


def distributions(dataset: Dataset) -> list[dict[str, str]]:
    """The downloadable forms of a dataset: format, media type and URL name."""
    result = [{"format": "CSV", "media_type": CSV_MEDIA_TYPE, "url_name": "datasets:csv"}]
    if dataset.has_geometry:
        result.append(
            {"format": "GeoJSON", "media_type": GEOJSON_MEDIA_TYPE, "url_name": "datasets:geojson"}
        )
    return result


def attribution(dataset: Dataset, publisher: str, page_url: str) -> str:
    """The source note a re-user gives, as dl-de/by-2-0 §3 asks: provider, licence, link."""
    licence = dataset.licence
    return _("{publisher}: {title}, {licence} ({licence_url}), {page_url}").format(
        publisher=publisher,
        title=dataset.title,
        licence=licence.title,
        licence_url=licence.url,
        page_url=page_url,
    )


def metadata(
    dataset: Dataset,
    url: Callable[[str, str], str],
    publishers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A dataset's metadata with plain strings, for the web pages and the API.

    ``url(url_name, slug)`` builds a link (absolute for the API); ``publishers`` is the result
    of :func:`publisher_names` when describing many datasets, to resolve them in one query.
    """
    if publishers is None:
        publishers = publisher_names([dataset])
    publisher = publishers.get(dataset.publisher, dataset.publisher)
    page_url = url("datasets:detail", dataset.slug)
    licence = dataset.licence
    return {
        "slug": dataset.slug,
        "title": str(dataset.title),
        "description": str(dataset.description),
        "publisher": publisher,
        "licence": {
            "id": licence.id,
            "title": licence.title,
            "url": licence.url,
            "uri": licence.uri,
        },
        "attribution": attribution(dataset, publisher, page_url),
        "keywords": [str(keyword) for keyword in dataset.keywords],
        "theme": dataset.theme,
        "theme_title": str(THEMES[dataset.theme]),
        "theme_uri": THEME_BASE_URI + dataset.theme,
        "update_frequency": dataset.update_frequency,
        "update_frequency_title": str(FREQUENCIES[dataset.update_frequency]),
        "update_frequency_uri": FREQUENCY_BASE_URI + dataset.update_frequency,
        "temporal_coverage": str(dataset.temporal_coverage),
        "spatial_coverage": str(dataset.spatial_coverage),
        "is_demo": dataset.is_demo,
        "page_url": page_url,
        "distributions": [
            {
                "format": item["format"],
                "media_type": item["media_type"],
                "download_url": url(item["url_name"], dataset.slug),
            }
            for item in distributions(dataset)
        ],
        "fields": [
            {
                "name": field.name,
                "title": str(field.title),
                "type": field.type,
                "type_title": str(FIELD_TYPES[field.type]),
                "description": str(field.description),
                "unit": str(field.unit),
            }
            for field in dataset.fields
        ],
    }
