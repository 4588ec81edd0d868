"""Cases, activities, the calendar, complaints, claims and gifts in the agency panel,
mounted at ``cases/`` (``crm.mounts._cases``)."""

from django.urls import path

from crm.panel_views import care
from crm.panel_views import cases as views

app_name = "crm-cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("calendar/", views.calendar, name="calendar"),
    path("due-badge/", views.due_badge, name="due-badge"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/edit/", views.case_edit, name="edit"),
    path("<int:case_id>/assign/", views.case_assign, name="assign"),
    path("<int:case_id>/close/", views.case_close, name="close"),
    path("<int:case_id>/reopen/", views.case_reopen, name="reopen"),
    path("<int:case_id>/activities/", views.activity_add, name="activity-add"),
    path("<int:case_id>/files/", views.attachment_upload, name="attachment-add"),
    path("activities/<int:activity_id>/done/", views.activity_done, name="activity-done"),
    path(
        "activities/<int:activity_id>/move/",
        views.activity_reschedule,
        name="activity-reschedule",
    ),
    path("files/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("complaints/", care.complaint_list, name="complaints"),
    path("complaints/<int:complaint_id>/", care.complaint_detail, name="complaint"),
    path("complaints/<int:complaint_id>/refer/", care.complaint_refer, name="complaint-refer"),
    path("complaints/<int:complaint_id>/result/", care.complaint_result, name="complaint-result"),
    path(
        "complaints/<int:complaint_id>/resolve/", care.complaint_resolve, name="complaint-resolve"
    ),
    path("claims/<int:claim_id>/", care.claim_edit, name="claim"),
    path("gifts/plan/", care.gift_plan_band, name="gift-plan"),
    path("gifts/<int:gift_id>/give/", care.gift_give, name="gift-give"),
    path("gifts/<int:gift_id>/cancel/", care.gift_cancel, name="gift-cancel"),
    path("gifts/<int:gift_id>/response/", care.gift_response, name="gift-response"),
    # From the customer's card.
    path("customer/<int:customer_id>/new/", views.case_new_for_customer, name="customer-new"),
    path("customer/<int:customer_id>/complaint/", care.complaint_new, name="complaint-new"),
    path("customer/<int:customer_id>/care/", care.claims_of_customer, name="claims"),
    path("customer/<int:customer_id>/claim/", care.claim_new, name="claim-new"),
    path("customer/<int:customer_id>/gift/", care.gift_new, name="gift-new"),
]
