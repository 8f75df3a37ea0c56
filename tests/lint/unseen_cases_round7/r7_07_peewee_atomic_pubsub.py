# expect: side-effect-in-transaction
from google.cloud import pubsub_v1
from peewee import PostgresqlDatabase

from .models import Reading, Sensor

db = PostgresqlDatabase("telemetry")
publisher = pubsub_v1.PublisherClient()
TOPIC = publisher.topic_path("telemetry-prod", "readings")


def record_reading(sensor_id: int, value: float) -> None:
    with db.atomic():
        sensor = Sensor.get_by_id(sensor_id)
        Reading.create(sensor=sensor, value=value)
        if value > sensor.threshold:
            publisher.publish(TOPIC, str(value).encode(), sensor=str(sensor_id))  # expect-line
