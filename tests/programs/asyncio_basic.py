# Covers: asyncio coroutines, awaiting tasks, gather, sleep(0) suspension and resumption.
import asyncio


async def square(x):
    await asyncio.sleep(0)
    return x * x


async def pipeline(n):
    total = 0
    for i in range(n):
        total += await square(i)
    return total


async def main():
    first = await pipeline(3)
    both = await asyncio.gather(square(5), square(6))
    return first, both


print(asyncio.run(main()))
