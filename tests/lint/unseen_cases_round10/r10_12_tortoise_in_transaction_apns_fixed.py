# expect: none
# fixed shape for r10_12: the push is sent after in_transaction() has committed
from aioapns import APNs, NotificationRequest
from tortoise.transactions import in_transaction

from rides.models import Ride, RideEvent

apns = APNs(key="/etc/rides/apns.p8", key_id="ABC123DEFG", team_id="TEAM123456", topic="com.example.rides", use_sandbox=False)


async def assign_driver(ride_id, driver):
    async with in_transaction() as conn:
        ride = await Ride.filter(id=ride_id, driver_id=None).select_for_update().using_db(conn).get()
        ride.driver_id = driver.id
        await ride.save(using_db=conn, update_fields=["driver_id"])
        await RideEvent.create(ride=ride, kind="assigned", using_db=conn)
    request = NotificationRequest(device_token=driver.device_token, message={"aps": {"alert": "New ride assigned"}, "ride": ride.id})
    await apns.send_notification(request)
    return ride
