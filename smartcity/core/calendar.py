"""iCalendar feeds and "add to calendar" files for every app (participation, climate, sportpark).

An app turns its rows into :class:`CalendarEvent` values and returns
:func:`calendar_response` (a subscribable feed) or :func:`single_event_response` (one
event). :func:`build_calendar` is pure: no database, no settings, no clock unless asked.

Standards followed:

* RFC 5545 (iCalendar): VCALENDAR with PRODID, VERSION 2.0, CALSCALE GREGORIAN and
  METHOD PUBLISH (section 3.7); VEVENT with UID, DTSTAMP, DTSTART and DTEND (section
  3.6.1); local times carry a TZID whose VTIMEZONE is in the same object (section
  3.3.5, form 3); all-day events are DATE values with an exclusive DTEND (section 3.6.1);
  TEXT escaping (section 3.3.11) and folding at 75 octets (section 3.1) are icalendar's.
* RFC 7986: NAME, DESCRIPTION and REFRESH-INTERVAL of the calendar.
* The de-facto X-WR-CALNAME, X-WR-CALDESC, X-WR-TIMEZONE and X-PUBLISHED-TTL that
  Apple Calendar, Google Calendar and Outlook read for subscribed calendars.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vDuration

PRODID = "-//Landeshauptstadt Dresden//Smart City Platform//DE"
DEFAULT_TZ = "Europe/Berlin"
STATUSES = ("TENTATIVE", "CONFIRMED", "CANCELLED")
CONTENT_TYPE = "text/calendar; charset=utf-8"
# How often subscribed clients should poll, and how long caches may keep a feed: events
# of a city change on the scale of hours, and a quarter of an hour stale is harmless.
REFRESH_INTERVAL = timedelta(hours=1)
CACHE_MAX_AGE_S = 15 * 60


@dataclass(frozen=True)
class CalendarEvent:
    """One event as an app describes it.

    ``uid_key`` identifies the event within the platform and must not change when the
    event changes (for example ``"participation-event-42"``); the UID becomes
    ``f"{uid_key}@{domain}"``. ``start`` is a ``datetime`` for a timed event or a ``date``
    for an all-day event; ``end`` has the same type. For an all-day event ``end`` is the
    last day *inclusive* (``date(2025, 5, 3)`` to ``date(2025, 5, 5)`` is three days); the
    builder writes the exclusive DTEND that RFC 5545 wants. Naive datetimes are wall-clock
    times in the calendar's time zone; aware ones are converted to it. ``geo`` is
    ``(latitude, longitude)`` in WGS 84 degrees. ``url`` may be relative when the builder
    gets a ``base_url``.
    """

    uid_key: str
    title: str
    start: datetime | date
    end: datetime | date | None = None
    description: str = ""
    location: str = ""
    url: str = ""
    geo: tuple[float, float] | None = None
    categories: tuple[str, ...] = ()
    last_modified: datetime | None = None
    created: datetime | None = None
    status: str = "CONFIRMED"

    def __post_init__(self):
        if not self.uid_key or any(char.isspace() for char in self.uid_key):
            raise ValueError(f"uid_key must be non-empty without white space: {self.uid_key!r}")
        if not str(self.title).strip():
            raise ValueError(f"event {self.uid_key}: the title is empty")
        if not isinstance(self.start, date):
            raise TypeError(f"event {self.uid_key}: start must be a date or datetime")
        if self.end is not None and _is_all_day(self.end) != self.all_day:
            raise TypeError(f"event {self.uid_key}: start and end must both be dates or datetimes")
        if self.status not in STATUSES:
            raise ValueError(f"event {self.uid_key}: status must be one of {STATUSES}")
        if self.geo is not None:
            latitude, longitude = self.geo
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise ValueError(f"event {self.uid_key}: geo {self.geo} is not (lat, lon)")
        object.__setattr__(self, "categories", tuple(self.categories))

    @property
    def all_day(self) -> bool:
        return _is_all_day(self.start)


def _is_all_day(value) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _local(value: datetime, zone: ZoneInfo) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value.astimezone(zone)


def _utc(value: datetime, zone: ZoneInfo) -> datetime:
    return _local(value, zone).astimezone(UTC)


def _text(value) -> str:
    # str() resolves lazy translations; icalendar escapes LF as "\n", but a CR left over
    # from a browser's CRLF would be sent raw.
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def _is_transition(zone: ZoneInfo, instant_utc: datetime, before, after) -> bool:
    return (instant_utc - timedelta(seconds=1)).astimezone(
        zone
    ).utcoffset() == before and instant_utc.astimezone(zone).utcoffset() == after


def _rfc_onset(zone: ZoneInfo, onset: datetime, offset_from, offset_to) -> datetime:
    """The onset as RFC 5545 section 3.6.5 defines it: local time in TZOFFSETFROM.

    icalendar 7.3 writes the spring transition as 03:00 (the wall clock after the jump)
    with TZOFFSETFROM +0100, which puts the onset an hour late for a client that reads
    the VTIMEZONE instead of knowing the TZID; the correct onset is 02:00. An onset that
    is already right, or that marks no transition (the first observance), is kept.
    """
    if offset_from == offset_to:
        return onset
    as_from = onset.replace(tzinfo=UTC) - offset_from
    if _is_transition(zone, as_from, offset_from, offset_to):
        return onset
    as_to = onset.replace(tzinfo=UTC) - offset_to
    if _is_transition(zone, as_to, offset_from, offset_to):
        return (as_to + offset_from).replace(tzinfo=None)
    return onset


@lru_cache(maxsize=32)
def _vtimezone_ical(tz: str, first_year: int, last_year: int) -> bytes:
    # Whole years, so that every year in range shows its DST transitions; computing them
    # takes milliseconds per year, hence the cache.
    zone = ZoneInfo(tz)
    component = Timezone.from_tzinfo(
        zone,
        tzid=tz,
        first_date=date(first_year, 1, 1),
        last_date=date(last_year + 1, 1, 1),
    )
    for observance in component.subcomponents:
        offsets = observance["TZOFFSETFROM"].td, observance["TZOFFSETTO"].td
        start = observance.pop("DTSTART").dt
        observance.add("dtstart", _rfc_onset(zone, start, *offsets))
        rdates = observance.pop("RDATE", None)
        if rdates is not None:
            onsets = [
                day.dt
                for group in (rdates if isinstance(rdates, list) else [rdates])
                for day in group.dts
            ]
            observance.add("rdate", [_rfc_onset(zone, onset, *offsets) for onset in onsets])
    return component.to_ical()


def _vtimezone(tz: str, events: list[CalendarEvent], stamp: datetime) -> Timezone:
    years = [
        moment.year for event in events for moment in (event.start, event.end) if moment is not None
    ] or [stamp.year]
    return Timezone.from_ical(_vtimezone_ical(tz, min(years), max(years)))


def _absolute_url(url: str, base_url: str, uid_key: str) -> str:
    if urlsplit(url).scheme:
        return url
    if not base_url:
        raise ValueError(f"event {uid_key}: relative url {url!r} needs a base_url")
    return urljoin(base_url, url)


def _vevent(
    event: CalendarEvent, *, zone: ZoneInfo, domain: str, stamp: datetime, base_url: str
) -> Event:
    component = Event()
    component.add("uid", f"{event.uid_key}@{domain}")
    component.add("dtstamp", stamp)
    component.add("summary", _text(event.title))
    if event.all_day:
        last_day = event.end or event.start
        if last_day < event.start:
            raise ValueError(f"event {event.uid_key}: the last day is before the first")
        component.add("dtstart", event.start)
        component.add("dtend", last_day + timedelta(days=1))
    else:
        start = _local(event.start, zone)
        component.add("dtstart", start)
        if event.end is not None:
            end = _local(event.end, zone)
            if end <= start:
                raise ValueError(f"event {event.uid_key}: the end is not after the start")
            component.add("dtend", end)
    if event.description:
        component.add("description", _text(event.description))
    if event.location:
        component.add("location", _text(event.location))
    if event.url:
        component.add("url", _absolute_url(event.url, base_url, event.uid_key))
    if event.geo is not None:
        component.add("geo", event.geo)
    if event.categories:
        component.add("categories", [_text(category) for category in event.categories])
    if event.created is not None:
        component.add("created", _utc(event.created, zone))
    if event.last_modified is not None:
        component.add("last-modified", _utc(event.last_modified, zone))
    component.add("status", event.status)
    return component


def build_calendar(
    name: str,
    events: Iterable[CalendarEvent],
    *,
    description: str = "",
    domain: str,
    tz: str = DEFAULT_TZ,
    stamp: datetime | None = None,
    base_url: str = "",
) -> bytes:
    """The iCalendar object (UTF-8 bytes with CRLF line ends) for ``events``.

    ``domain`` makes the UIDs globally unique (RFC 5545 section 3.8.4.7 recommends the
    domain of the generator); ``stamp`` is the DTSTAMP, the time the object is generated
    (section 3.8.7.2: with METHOD present it is the object's creation time), now in UTC
    unless given. ``base_url`` resolves relative event URLs. Raises ``ValueError`` for an
    event whose end is not after its start or whose relative url has no base.
    """
    if not domain or any(char.isspace() or char in "@/" for char in domain):
        raise ValueError(f"domain must be a bare host name: {domain!r}")
    zone = ZoneInfo(tz)
    stamp = _utc(stamp or datetime.now(UTC), zone)
    events = list(events)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.calendar_name = _text(name)  # NAME and X-WR-CALNAME
    if description:
        calendar.description = _text(description)  # DESCRIPTION and X-WR-CALDESC
    calendar.add("x-wr-timezone", tz)
    calendar.refresh_interval = REFRESH_INTERVAL
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    # The VTIMEZONE is always there, even for a feed of all-day events only, because
    # X-WR-TIMEZONE names it and clients add timed events to such feeds' views.
    calendar.add_component(_vtimezone(tz, events, stamp))
    for event in events:
        calendar.add_component(
            _vevent(event, zone=zone, domain=domain, stamp=stamp, base_url=base_url)
        )
    return calendar.to_ical()


def _ics_response(
    build: Callable[[str, str], bytes], *, filename: str, request, attachment: bool, public: bool
):
    """The one place that touches Django: site host, HTTP headers."""
    from django.conf import settings
    from django.http import HttpResponse
    from django.http.request import split_domain_port
    from django.utils.cache import patch_cache_control
    from django.utils.http import content_disposition_header

    # The configured public address comes first so that a UID stays the same whichever
    # host name a client used (kiosk, internal name); the request is the fallback.
    site_url = getattr(settings, "SITE_URL", "") or ""
    domain = urlsplit(site_url).hostname
    if domain:
        base_url = site_url
    elif request is not None:
        domain = split_domain_port(request.get_host())[0].strip("[]")
        base_url = request.build_absolute_uri("/")
    else:
        raise ValueError("settings.SITE_URL has no host name and no request was given")
    if not filename.lower().endswith(".ics"):
        filename += ".ics"
    response = HttpResponse(build(domain, base_url), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(attachment, filename)
    if public:
        patch_cache_control(response, public=True, max_age=CACHE_MAX_AGE_S)
    else:
        patch_cache_control(response, private=True, max_age=CACHE_MAX_AGE_S)
    return response


def calendar_response(
    name: str,
    events: Iterable[CalendarEvent],
    *,
    filename: str,
    request=None,
    description: str = "",
    tz: str = DEFAULT_TZ,
    public: bool = False,
):
    """A subscribable feed, shown inline (``webcal://`` and "subscribe" links point here).

    ``public=True`` lets shared caches keep it for CACHE_MAX_AGE_S; the default is
    ``private`` because a feed may hold one person's bookings.
    """
    return _ics_response(
        lambda domain, base_url: build_calendar(
            name, events, description=description, domain=domain, tz=tz, base_url=base_url
        ),
        filename=filename,
        request=request,
        attachment=False,
        public=public,
    )


def single_event_response(
    event: CalendarEvent, filename: str, *, request=None, tz: str = DEFAULT_TZ, public=False
):
    """One event as a downloaded .ics file, for "add to calendar" links.

    Sent as an attachment so that every browser hands it to the calendar app under its
    file name rather than trying to display it.
    """
    return _ics_response(
        lambda domain, base_url: build_calendar(
            event.title, [event], domain=domain, tz=tz, base_url=base_url
        ),
        filename=filename,
        request=request,
        attachment=True,
        public=public,
    )
