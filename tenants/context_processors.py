from tenants.hosts import main_site_url, panel_url


def site(request):
    """What every template needs to know about the site it is on."""
    return {
        "site_kind": getattr(request, "site_kind", "main"),
        "site_agency": getattr(request, "agency", None),
        "main_site_url": main_site_url(),
        "panel_url": panel_url(),
    }
