from smartcity.core.audit.context import during_request


class AuditActorMiddleware:
    """Makes the request's user the actor of every audited write during the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with during_request(request):
            return self.get_response(request)
