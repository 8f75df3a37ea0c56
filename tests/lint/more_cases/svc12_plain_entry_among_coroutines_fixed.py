# expect: none
# fixed shape for svc12: every entry is a coroutine
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

    async def run(self):
        return {"city": self.city}
