"""The support API (decision 017's contract): the customer's tickets at ``tickets/``, the
agency's at ``agency/tickets/``."""

from __future__ import annotations

from django.urls import path

from support.api import views

# Names are global and start with "api-support-" (no namespace, as the other API modules).
urlpatterns = [
    path("categories/", views.CategoryListApi.as_view(), name="api-support-categories"),
    path("tickets/", views.TicketListCreateApi.as_view(), name="api-support-tickets"),
    path("tickets/<int:ticket_id>/", views.TicketDetailApi.as_view(), name="api-support-ticket"),
    path(
        "tickets/<int:ticket_id>/replies/",
        views.TicketReplyApi.as_view(),
        name="api-support-ticket-reply",
    ),
    path(
        "tickets/<int:ticket_id>/close/",
        views.TicketCloseApi.as_view(),
        name="api-support-ticket-close",
    ),
    path(
        "tickets/<int:ticket_id>/files/",
        views.TicketFileApi.as_view(),
        name="api-support-ticket-files",
    ),
    path(
        "agency/tickets/",
        views.AgencyTicketListCreateApi.as_view(),
        name="api-support-agency-tickets",
    ),
    path(
        "agency/tickets/<int:ticket_id>/",
        views.AgencyTicketDetailApi.as_view(),
        name="api-support-agency-ticket",
    ),
    path(
        "agency/tickets/<int:ticket_id>/replies/",
        views.AgencyTicketReplyApi.as_view(),
        name="api-support-agency-ticket-reply",
    ),
    path(
        "agency/tickets/<int:ticket_id>/close/",
        views.AgencyTicketCloseApi.as_view(),
        name="api-support-agency-ticket-close",
    ),
    path(
        "agency/tickets/<int:ticket_id>/files/",
        views.AgencyTicketFileApi.as_view(),
        name="api-support-agency-ticket-files",
    ),
]
