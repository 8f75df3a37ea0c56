# expect: none
# fixed shape for r10_33: SELECT ... FOR UPDATE locks the flight row until COMMIT
import psycopg


def book_seat(conn: psycopg.Connection, flight_id: int, passenger_id: int) -> None:
    with conn.transaction():
        row = conn.execute("SELECT seats_left FROM flights WHERE id = %s FOR UPDATE", (flight_id,)).fetchone()
        if row is None or row[0] <= 0:
            raise LookupError(f"flight {flight_id} is full or does not exist")
        conn.execute("UPDATE flights SET seats_left = %s WHERE id = %s", (row[0] - 1, flight_id))
        conn.execute("INSERT INTO bookings (flight_id, passenger_id) VALUES (%s, %s)", (flight_id, passenger_id))
