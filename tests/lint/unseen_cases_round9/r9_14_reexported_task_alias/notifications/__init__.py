from notifications.tasks import push_to_devices as notify_user

__all__ = ["notify_user"]
