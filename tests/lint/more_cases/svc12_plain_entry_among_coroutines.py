# expect: non-uniform-interface
# pattern: FastAPI-side services: two entries are coroutines, one is a plain method, so
#          "await FetchWeather(city).run()" fails and forgetting the await elsewhere
#          returns a coroutine instead of data
class FetchRates:
    def __init__(self, currency):
        self.currency = currency

    async def run(self):
        return {"currency": self.currency}


class FetchNews:
    def __init__(self, topic):
        self.topic = topic

    async def run(self):
        return [self.topic]


class FetchWeather:
    def __init__(self, city):
        self.city = city

    def run(self):  # expect-line
        return {"city": self.city}
