"""Support tickets on the ops host, mounted at ``support/``."""

from django.urls import path

from support import views_ops as views

app_name = "ops-support"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:ticket_id>/", views.detail, name="detail"),
    path("<int:ticket_id>/answer/", views.answer, name="answer"),
    path("<int:ticket_id>/note/", views.note, name="note"),
    path("<int:ticket_id>/assign/", views.assign, name="assign"),
    path("<int:ticket_id>/close/", views.close, name="close"),
    path("<int:ticket_id>/files/<int:ticket_attachment_id>/", views.file, name="file"),
]
