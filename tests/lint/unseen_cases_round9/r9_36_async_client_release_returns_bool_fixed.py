# expect: none
# fixed shape for r9_36: release() raises InventoryError like reserve() and confirm()
import httpx


class InventoryError(Exception):
    def __init__(self, operation: str, status_code: int, body: str) -> None:
        super().__init__(f"inventory {operation} failed with HTTP {status_code}: {body[:200]}")
        self.operation = operation
        self.status_code = status_code


class InventoryService:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def reserve(self, sku: str, quantity: int) -> str:
        response = await self.client.post("/reservations", json={"sku": sku, "quantity": quantity})
        if response.is_error:
            raise InventoryError("reserve", response.status_code, response.text)
        return response.json()["reservation_id"]

    async def confirm(self, reservation_id: str) -> None:
        response = await self.client.post(f"/reservations/{reservation_id}/confirm")
        if response.is_error:
            raise InventoryError("confirm", response.status_code, response.text)

    async def release(self, reservation_id: str) -> None:
        response = await self.client.delete(f"/reservations/{reservation_id}")
        if response.is_error:
            raise InventoryError("release", response.status_code, response.text)
