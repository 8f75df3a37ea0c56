# expect: none
# fixed shape for r10x_39a: push_event raises SyncError like the other sync functions
import httpx

from calendars.errors import SyncError
from calendars.models import Calendar, Event

client = httpx.Client(base_url="https://calendar.example.com", timeout=10)


def pull_events(calendar: Calendar) -> list[Event]:
    response = client.get(f"/calendars/{calendar.remote_id}/events")
    if response.status_code != 200:
        raise SyncError(f"pull of calendar {calendar.pk} failed with status {response.status_code}")
    return [Event.from_remote(item) for item in response.json()]


def delete_event(event: Event) -> None:
    response = client.delete(f"/events/{event.remote_id}")
    if response.status_code not in (200, 204):
        raise SyncError(f"delete of event {event.pk} failed with status {response.status_code}")


def push_event(event: Event) -> None:
    try:
        response = client.put(f"/events/{event.remote_id}", json=event.to_remote())
        response.raise_for_status()
    except httpx.HTTPError as error:
        raise SyncError(f"push of event {event.pk} failed: {error}") from error
