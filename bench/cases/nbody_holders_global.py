# bench/workloads/nbody.py with the holders of the bodies (`BODIES`, `PAIRS`) moved from locals of
# `advance` to module globals, which a frame that is not running never re-checks: each store then
# makes only the records of the changed list. The best case of a format that records a change
# once for all its holders (docs/performance.md, session 32).
import math

SOLAR_MASS = 4 * math.pi * math.pi
DAYS = 365.24


def make_bodies():
    return [
        [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], SOLAR_MASS],
        [[4.84, -1.16, -0.10], [0.00166 * DAYS, 0.00770 * DAYS, -0.0000690 * DAYS], 0.000954 * SOLAR_MASS],
        [[8.34, 4.12, -0.40], [-0.00277 * DAYS, 0.00500 * DAYS, 0.0000230 * DAYS], 0.000286 * SOLAR_MASS],
        [[12.89, -15.11, -0.22], [0.00296 * DAYS, 0.00238 * DAYS, -0.0000296 * DAYS], 0.0000437 * SOLAR_MASS],
        [[15.38, -25.92, 0.18], [0.00268 * DAYS, 0.00163 * DAYS, -0.0000951 * DAYS], 0.0000515 * SOLAR_MASS],
    ]


def advance(bodies_, dt, steps):
    global PAIRS, BODIES
    BODIES = bodies_
    del bodies_
    PAIRS = [(BODIES[i], BODIES[j]) for i in range(len(BODIES)) for j in range(i + 1, len(BODIES))]
    for _ in range(steps):
        for (p1, v1, m1), (p2, v2, m2) in PAIRS:
            dx, dy, dz = p1[0] - p2[0], p1[1] - p2[1], p1[2] - p2[2]
            mag = dt * (dx * dx + dy * dy + dz * dz) ** -1.5
            b1, b2 = m1 * mag, m2 * mag
            v1[0] -= dx * b2
            v1[1] -= dy * b2
            v1[2] -= dz * b2
            v2[0] += dx * b1
            v2[1] += dy * b1
            v2[2] += dz * b1
        for pos, vel, _m in BODIES:
            pos[0] += dt * vel[0]
            pos[1] += dt * vel[1]
            pos[2] += dt * vel[2]


def main():
    bodies = make_bodies()
    advance(bodies, 0.01, 3000)
    print(round(bodies[0][0][0], 9))


if __name__ == "__main__":
    import sys
    import time

    started = time.perf_counter()
    main()
    # bench_recorder reads this line: the workload's own time, without interpreter start-up.
    sys.stderr.write(f"elapsed {time.perf_counter() - started:.6f}\n")
