import httpx


async def post_webhook(url: str, payload: dict) -> None:
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.post(url, json=payload)
        response.raise_for_status()
