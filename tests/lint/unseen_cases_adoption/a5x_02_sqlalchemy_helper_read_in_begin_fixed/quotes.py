# expect: none
import httpx


def fetch_quote(symbol: str) -> float:
    response = httpx.get(f"https://quotes.example/{symbol}", timeout=5)
    return float(response.json()["price"])
