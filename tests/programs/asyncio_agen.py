# Covers: async generators: async for, aclose() (cleanup runs), abandoned generator finalized by asyncio's shutdown hooks.
import asyncio

log = []


async def ticker(n, name):
    try:
        for i in range(n):
            await asyncio.sleep(0)
            yield i
    finally:
        log.append("finally " + name)


async def main():
    async for v in ticker(2, "full"):
        log.append(v)
    closing = ticker(5, "closed")
    log.append(await closing.__anext__())
    await closing.aclose()
    abandoned = ticker(5, "abandoned")
    log.append(await abandoned.__anext__())
    return "main done"


print(asyncio.run(main()))
print(log)
