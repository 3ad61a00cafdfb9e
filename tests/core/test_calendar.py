from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import RequestFactory
from icalendar import Calendar

from smartcity.core.calendar import (
    PRODID,
    CalendarEvent,
    build_calendar,
    calendar_response,
    single_event_response,
)

BERLIN = ZoneInfo("Europe/Berlin")
STAMP = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
TRICKY = "Bürgerforum, Teil 1; Äußere Neustadt\nZweite Zeile: Größe ß, Öl; Ende"


def summer_event(**changes):
    values = {
        "uid_key": "participation-event-42",
        "title": "Bürgerforum Stadtbahn",
        # 16:00 UTC is 18:00 summer time in Dresden.
        "start": datetime(2025, 7, 1, 16, 0, tzinfo=UTC),
        "end": datetime(2025, 7, 1, 18, 0, tzinfo=UTC),
        "description": "Diskussion zur neuen Linie",
        "location": "Rathaus, Dr.-Külz-Ring 19, 01067 Dresden",
        "url": "https://smartcity.example.org/participation/events/42/",
        "geo": (51.0483, 13.7420),
        "categories": ("Beteiligung", "Verkehr"),
        "last_modified": datetime(2025, 5, 20, 9, 30, tzinfo=UTC),
    }
    values.update(changes)
    return CalendarEvent(**values)


def build(events, **kwargs):
    kwargs.setdefault("domain", "smartcity.example.org")
    kwargs.setdefault("stamp", STAMP)
    return build_calendar("Termine der Bürgerbeteiligung", events, **kwargs)


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def test_calendar_properties():
    calendar = parse(build([summer_event()], description="Alle Termine, öffentlich"))
    assert (
        str(calendar["PRODID"]) == PRODID == "-//Landeshauptstadt Dresden//Smart City Platform//DE"
    )
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == "Termine der Bürgerbeteiligung"
    assert str(calendar["X-WR-CALDESC"]) == "Alle Termine, öffentlich"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Berlin"
    assert calendar.refresh_interval == timedelta(hours=1)


def test_event_fields_round_trip():
    [event] = parse(build([summer_event()])).events
    assert str(event["UID"]) == "participation-event-42@smartcity.example.org"
    assert str(event["SUMMARY"]) == "Bürgerforum Stadtbahn"
    assert event.start == datetime(2025, 7, 1, 18, 0, tzinfo=BERLIN)
    assert event.end == datetime(2025, 7, 1, 20, 0, tzinfo=BERLIN)
    assert event.DTSTAMP == STAMP
    assert event.last_modified == datetime(2025, 5, 20, 9, 30, tzinfo=UTC)
    assert str(event["LOCATION"]) == "Rathaus, Dr.-Külz-Ring 19, 01067 Dresden"
    assert str(event["URL"]) == "https://smartcity.example.org/participation/events/42/"
    assert (event["GEO"].latitude, event["GEO"].longitude) == (51.0483, 13.742)
    assert event.categories == ["Beteiligung", "Verkehr"]
    assert str(event["STATUS"]) == "CONFIRMED"


def test_uids_are_stable_across_builds():
    first = parse(build([summer_event()], stamp=STAMP))
    second = parse(build([summer_event(title="Renamed")], stamp=STAMP + timedelta(days=3)))
    assert [str(e["UID"]) for e in first.events] == [str(e["UID"]) for e in second.events]
    assert build([summer_event()]) == build([summer_event()])


def test_text_with_commas_semicolons_newlines_and_umlauts_round_trips():
    data = build(
        [
            summer_event(
                title=TRICKY,
                description=TRICKY + "\r\nvom Formular",
                location=TRICKY,
                categories=("Rad, Fuß", "Öffis; Bus"),
            )
        ]
    )
    assert "Bürgerforum\\, Teil 1\\; Äußere Neustadt\\nZweite Zeile".encode() in data.replace(
        b"\r\n ", b""
    )
    [event] = parse(data).events
    assert str(event["SUMMARY"]) == TRICKY
    assert str(event["DESCRIPTION"]) == TRICKY + "\nvom Formular"
    assert str(event["LOCATION"]) == TRICKY
    assert event.categories == ["Rad, Fuß", "Öffis; Bus"]


def test_lines_are_folded_at_75_octets_and_end_in_crlf():
    long_text = "Straßenbahnhaltestelle Albertplatz, Äußere Neustadt; " * 12
    data = build([summer_event(description=long_text, title=long_text)])
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines)
    assert sum(line.startswith(b" ") for line in lines) > 10
    # Folding never splits a UTF-8 sequence: every physical line decodes on its own.
    for line in lines:
        line.decode("utf-8")
    assert str(parse(data).events[0]["DESCRIPTION"]) == long_text


def onsets(observance) -> list[datetime]:
    """DTSTART and every RDATE of a VTIMEZONE observance."""
    rdates = observance.get("RDATE", [])
    groups = rdates if isinstance(rdates, list) else [rdates]
    return [observance["DTSTART"].dt] + [day.dt for group in groups for day in group.dts]


def test_vtimezone_for_berlin_with_dst_transitions():
    calendar = parse(build([summer_event()]))
    [timezone] = calendar.timezones
    assert str(timezone["TZID"]) == "Europe/Berlin"
    [daylight] = [c for c in timezone.subcomponents if c.name == "DAYLIGHT"]
    standard = [c for c in timezone.subcomponents if c.name == "STANDARD"]
    # RFC 5545 3.6.5: the onset is local time in TZOFFSETFROM; clocks jump at 02:00 CET.
    assert onsets(daylight) == [datetime(2025, 3, 30, 2, 0)]
    assert daylight["TZOFFSETFROM"].td == timedelta(hours=1)
    assert daylight["TZOFFSETTO"].td == timedelta(hours=2)
    assert str(daylight["TZNAME"]) == "CEST"
    assert datetime(2025, 10, 26, 3, 0) in [onset for s in standard for onset in onsets(s)]
    assert calendar.get_missing_tzids() == set()


def test_vtimezone_onsets_are_the_real_transitions_for_every_year_of_the_events():
    later = summer_event(uid_key="later", start=datetime(2027, 1, 10, 10, tzinfo=BERLIN), end=None)
    [timezone] = parse(build([summer_event(), later])).timezones
    transitions = []
    for observance in timezone.subcomponents:
        offset_from = observance["TZOFFSETFROM"].td
        offset_to = observance["TZOFFSETTO"].td
        if offset_from == offset_to:
            continue
        for onset in onsets(observance):
            instant = onset.replace(tzinfo=UTC) - offset_from
            assert (instant - timedelta(seconds=1)).astimezone(BERLIN).utcoffset() == offset_from
            assert instant.astimezone(BERLIN).utcoffset() == offset_to
            transitions.append(instant)
    assert sorted(t.date() for t in transitions) == [
        date(2025, 3, 30),
        date(2025, 10, 26),
        date(2026, 3, 29),
        date(2026, 10, 25),
        date(2027, 3, 28),
        date(2027, 10, 31),
    ]


def test_summer_and_winter_events_at_18_00_berlin_time():
    winter = summer_event(
        uid_key="winter",
        start=datetime(2025, 12, 1, 17, 0, tzinfo=UTC),
        end=datetime(2025, 12, 1, 19, 0, tzinfo=UTC),
    )
    naive = summer_event(uid_key="naive", start=datetime(2025, 8, 1, 18, 0), end=None)
    data = build([summer_event(), winter, naive])
    assert b"DTSTART;TZID=Europe/Berlin:20250701T180000\r\n" in data
    assert b"DTEND;TZID=Europe/Berlin:20250701T200000\r\n" in data
    assert b"DTSTART;TZID=Europe/Berlin:20251201T180000\r\n" in data
    assert b"DTSTART;TZID=Europe/Berlin:20250801T180000\r\n" in data
    assert b"DTSTAMP:20250601T080000Z\r\n" in data


def test_all_day_event_is_a_date_with_exclusive_end():
    festival = CalendarEvent(
        uid_key="stadtfest-2025",
        title="Stadtfest",
        start=date(2025, 8, 15),
        end=date(2025, 8, 17),
    )
    one_day = CalendarEvent(uid_key="tag", title="Tag der offenen Tür", start=date(2025, 9, 6))
    data = build([festival, one_day])
    assert b"DTSTART;VALUE=DATE:20250815\r\n" in data
    assert b"DTEND;VALUE=DATE:20250818\r\n" in data
    assert b"DTSTART;VALUE=DATE:20250906\r\n" in data
    assert b"DTEND;VALUE=DATE:20250907\r\n" in data
    first, second = parse(data).events
    assert (first.start, first.end) == (date(2025, 8, 15), date(2025, 8, 18))
    assert (second.start, second.end) == (date(2025, 9, 6), date(2025, 9, 7))


def test_an_empty_feed_is_valid_and_still_has_its_timezone():
    calendar = parse(build([]))
    assert calendar.events == []
    assert str(calendar.timezones[0]["TZID"]) == "Europe/Berlin"


def test_relative_urls_need_a_base():
    event = summer_event(url="/participation/events/42/")
    [parsed] = parse(build([event], base_url="https://stadt.example/")).events
    assert str(parsed["URL"]) == "https://stadt.example/participation/events/42/"
    with pytest.raises(ValueError, match="needs a base_url"):
        build([event])


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"end": datetime(2025, 7, 1, 15, 0, tzinfo=UTC)}, "end is not after the start"),
        ({"status": "MAYBE"}, "status must be one of"),
        ({"end": date(2025, 7, 2)}, "both be dates or datetimes"),
        ({"geo": (13.7, 181.0)}, "is not \\(lat, lon\\)"),
        ({"uid_key": "two words"}, "uid_key"),
        ({"title": "  "}, "title is empty"),
    ],
)
def test_invalid_events_are_refused(changes, error):
    with pytest.raises((ValueError, TypeError), match=error):
        build([summer_event(**changes)])


def test_cancelled_event_keeps_its_uid():
    [event] = parse(build([summer_event(status="CANCELLED")])).events
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == "participation-event-42@smartcity.example.org"


def test_feed_response_headers_and_body(settings):
    settings.SITE_URL = "https://smartcity.dresden.example"
    response = calendar_response(
        "Termine", [summer_event(url="/e/42/")], filename="beteiligung-termine"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="beteiligung-termine.ics"'
    assert response["Cache-Control"] == "private, max-age=900"
    [event] = parse(response.content).events
    assert str(event["UID"]) == "participation-event-42@smartcity.dresden.example"
    assert str(event["URL"]) == "https://smartcity.dresden.example/e/42/"
    public = calendar_response("Termine", [], filename="alle.ics", public=True)
    assert public["Cache-Control"] == "public, max-age=900"


def test_domain_falls_back_to_the_request_host(settings):
    settings.SITE_URL = ""
    request = RequestFactory().get("/feed.ics", HTTP_HOST="kiosk.example:8443")
    response = calendar_response(
        "Termine", [summer_event(url="/e/1/")], filename="t.ics", request=request
    )
    [event] = parse(response.content).events
    assert str(event["UID"]) == "participation-event-42@kiosk.example"
    assert str(event["URL"]) == "http://kiosk.example:8443/e/1/"


def test_single_event_response_is_an_ics_download(settings):
    settings.SITE_URL = "https://smartcity.dresden.example"
    response = single_event_response(summer_event(), "Bürgerforum")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == ("attachment; filename*=utf-8''B%C3%BCrgerforum.ics")
    calendar = parse(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Bürgerforum Stadtbahn"
    assert [str(e["SUMMARY"]) for e in calendar.events] == ["Bürgerforum Stadtbahn"]
