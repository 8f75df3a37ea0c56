from __future__ import annotations

from django.urls import path

from django_project.notesapp import views

urlpatterns = [
    path("notes", views.create_note),
    path("notes/<int:note_id>", views.show_note),
    path("notes/queue", views.queue_notes),
    path("counters/<str:name>/bump", views.bump_counter),
    path("counters/<str:name>/count-up", views.count_up),
    path("counters/<str:name>/twice", views.bump_twice),
    path("counters/<str:name>/many", views.bump_with_executemany),
    path("counters/<str:name>/after-operation", views.bump_after_operation),
    path("counters/<str:name>/autocommit", views.bump_without_atomic),
    path("counters/<str:name>/duplicate", views.duplicate_counter),
]
