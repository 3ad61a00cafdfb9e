"""DSGVO: a citizen's reports and follows in their data export, and what account deletion
leaves behind (the reports stay, as the city's record, without the person)."""

from smartcity.concerns.models import Concern, Follow
from smartcity.concerns.services.moderation import erase_contact


def export_user_data(user) -> dict:
    return {
        "reports": [
            {
                "service_request_id": c.service_request_id,
                "category": c.category.name,
                "submitted_at": c.submitted_at.isoformat(),
                "state": c.state,
                "lat": c.lat,
                "lon": c.lon,
                "address": c.address,
                "description": c.description,
                "attributes": c.attributes,
                "contact": {
                    "name": c.contact_name,
                    "email": c.contact_email,
                    "phone": c.contact_phone,
                },
                "photos": [photo.image.url for photo in c.photos.select_related("image")],
            }
            for c in Concern.objects.filter(reporter=user).select_related("category")
        ],
        "follows": [
            {
                "concern": f.concern.service_request_id if f.concern_id else None,
                "area": f.area.name if f.area_id else None,
                "since": f.created_at.isoformat(),
            }
            for f in Follow.objects.filter(user=user).select_related("concern", "area")
        ],
    }


def erase_user_data(user) -> None:
    """Before the account goes: its reports lose their contact data and their reporter.
    (Follows go with the account; photos lose their uploader through core uploads.)"""
    for concern in Concern.objects.filter(reporter=user):
        erase_contact(concern, "account deleted")
    Concern.objects.filter(reporter=user).update(reporter=None)
