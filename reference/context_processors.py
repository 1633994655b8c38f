"""What every template may need to know about the request."""


def outage(request):
    """``outage``: these pages come from the last data loaded, the database not answering.

    Set by ``catalogue.for_request``, so a page that never looked at the data
    (an admin page, a 404 from the URL resolver) shows no notice.
    """
    return {"outage": getattr(request, "catalogue_outage", False)}
