# expect: missing-lock
# pattern: raw SQL reads seats_left and writes back a value computed in Python inside one
#          transaction. Without FOR UPDATE, two bookings both take the last seat.
import psycopg


def book_seat(conn: psycopg.Connection, flight_id: int, passenger_id: int) -> None:
    with conn.transaction():
        row = conn.execute("SELECT seats_left FROM flights WHERE id = %s", (flight_id,)).fetchone()  # expect-line
        if row is None or row[0] <= 0:
            raise LookupError(f"flight {flight_id} is full or does not exist")
        conn.execute("UPDATE flights SET seats_left = %s WHERE id = %s", (row[0] - 1, flight_id))
        conn.execute("INSERT INTO bookings (flight_id, passenger_id) VALUES (%s, %s)", (flight_id, passenger_id))
