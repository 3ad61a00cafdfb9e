from ninja import Router, Schema

from smartcity.core.api_auth import authenticated
from smartcity.core.permissions import organisation_ids, role_of

router = Router(tags=["accounts"])


class MeOut(Schema):
    email: str
    display_name: str
    language: str
    role: str
    organisations: list[int]


@router.get("/me", response=MeOut, auth=authenticated, summary="The authenticated user")
def me(request):
    user = request.auth
    return {
        "email": user.email,
        "display_name": user.display_name,
        "language": user.language,
        "role": role_of(user),
        "organisations": sorted(organisation_ids(user)),
    }
