# asyncio as services use it: five producers and four consumers around one bounded Queue, 10,000
# items. Every await resumes a coroutine after the event loop (left out by --only) ran, so each
# resumption checks the frame's locals again, and `q` reaches the loop through `q._loop`: the
# shape walks of this case are mostly plain objects of asyncio's classes.
import asyncio
import sys
import time


async def producer(q, n, tag):
    for i in range(n):
        await q.put((tag, i))
        if i % 10 == 0:
            await asyncio.sleep(0)


async def consumer(q, totals):
    while True:
        tag, i = await q.get()
        totals[tag] = totals.get(tag, 0) + i
        q.task_done()


async def main():
    q = asyncio.Queue(maxsize=50)
    totals = {}
    workers = [asyncio.create_task(consumer(q, totals)) for _ in range(4)]
    await asyncio.gather(*(producer(q, 2000, t) for t in range(5)))
    await q.join()
    for w in workers:
        w.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    return totals


started = time.perf_counter()
result = asyncio.run(main())
sys.stderr.write("elapsed %f\n" % (time.perf_counter() - started))
print(sorted(result.items()))
