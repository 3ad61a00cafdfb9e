"""CSV export of the filtered inbox, for spreadsheets.

RFC 4180 with commas and UTF-8, like the platform's open data (see smartcity.core.datasets;
a German Excel opens it through "Data > From Text/CSV"). Contact data is exported only when
asked for, and then only where :func:`services.contact_of` allows it. Citizens typed much
of the text, so every cell that a spreadsheet would run as a formula is defused.
"""

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from smartcity.concerns import services
from smartcity.concerns.models import State
from smartcity.concerns.services import backoffice
from smartcity.concerns.web.office_inbox import selection, target_labels
from smartcity.core.datasets import CSV_MEDIA_TYPE, QUERYSET_CHUNK_SIZE, csv_lines, encode_chunks
from smartcity.core.decorators import staff_required


def _time(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def header(with_contact: bool) -> list[str]:
    columns = [
        _("Number"),
        _("Category"),
        _("State"),
        _("Target time"),
        _("Department"),
        _("Assigned to"),
        _("District"),
        _("Address"),
        _("Latitude"),
        _("Longitude"),
        _("Submitted"),
        _("Due"),
        _("Closed"),
        _("Published"),
        _("Description"),
    ]
    if with_contact:
        columns += [_("Contact name"), _("Contact e-mail"), _("Contact phone")]
    return columns


def rows(user, concerns, with_contact: bool):
    """One list of cells per concern (defused when written). Texts are translated now: the
    rows are produced while the response streams, after the request."""
    labels, now = target_labels(), timezone.now()
    states = {value: str(label) for value, label in State.choices}
    return _rows(user, concerns, with_contact, labels, states, now)


def _rows(user, concerns, with_contact, labels, states, now):
    for concern in concerns.iterator(chunk_size=QUERYSET_CHUNK_SIZE):
        row = [
            concern.service_request_id,
            concern.category.name,
            states[concern.state],
            labels[backoffice.target_status(concern, now)],
            concern.organisation.name if concern.organisation else "",
            str(concern.assignee or ""),
            concern.area.name if concern.area else "",
            concern.address,
            concern.lat,
            concern.lon,
            _time(concern.submitted_at),
            _time(concern.due_at),
            _time(concern.closed_at),
            _time(concern.published_at),
            concern.description,
        ]
        if with_contact:
            contact = services.contact_of(user, concern)
            row += [contact.name, contact.email, contact.phone] if contact else ["", "", ""]
        yield row


@require_GET
@staff_required
def export_csv(request):
    _form, concerns = selection(request)
    with_contact = request.GET.get("contact") == "1"
    response = StreamingHttpResponse(
        encode_chunks(csv_lines(header(with_contact), rows(request.user, concerns, with_contact))),
        content_type=CSV_MEDIA_TYPE,
    )
    filename = f"concerns-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
