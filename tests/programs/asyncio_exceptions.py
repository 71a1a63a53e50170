# Covers: exceptions inside coroutines (raised through awaits, caught), task cancellation with CancelledError, try/finally in coroutines.
import asyncio

log = []


async def failing(n):
    await asyncio.sleep(0)
    raise ValueError("coroutine failed %d" % n)


async def wrapper():
    try:
        await failing(1)
    except ValueError as e:
        log.append(str(e))


async def sleeper():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        log.append("cancelled")
        raise
    finally:
        log.append("sleeper finally")


async def main():
    await wrapper()
    task = asyncio.ensure_future(sleeper())
    await asyncio.sleep(0)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        log.append("main saw cancel")


asyncio.run(main())
print(log)
