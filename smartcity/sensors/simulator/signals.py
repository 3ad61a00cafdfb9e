"""Signal models for Dresden's sensors: deterministic for a seed, plausible in shape and size.

Every model is a class with ``unit`` (UCUM code and symbol), an ``observed_property`` and
``values(times)``, which returns one value per time (timezone-aware datetimes, any step).
The same seed and times give the same values, so demo data is reproducible. Values are
DEMO DATA: the shapes follow the cited typical profiles, they are not measurements.
"""

import math
import random
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def local_hour(time: datetime) -> float:
    """Hour of day in Dresden local time, as a fraction (07:30 -> 7.5)."""
    local = time.astimezone(BERLIN)
    return local.hour + local.minute / 60 + local.second / 3600


def is_workday(time: datetime) -> bool:
    return time.astimezone(BERLIN).weekday() < 5


def bump(hour: float, centre: float, width_h: float) -> float:
    """A Gaussian bump of height 1 around ``centre`` (hours), wrapping at midnight."""
    distance = min(abs(hour - centre), 24 - abs(hour - centre))
    return math.exp(-0.5 * (distance / width_h) ** 2)


class AR1:
    """First-order autoregressive noise: x[t] = phi * x[t-1] + sigma * sqrt(1 - phi²) * e[t].

    Stationary with standard deviation ``sigma``; ``phi`` close to 1 makes slow weather-like
    drifts, as in Box & Jenkins, Time Series Analysis (1976), chapter 3.
    """

    def __init__(self, rng: random.Random, phi: float, sigma: float):
        self.rng, self.phi, self.sigma = rng, phi, sigma
        self.state = rng.gauss(0.0, sigma)

    def step(self) -> float:
        shock = self.rng.gauss(0.0, self.sigma * math.sqrt(1 - self.phi**2))
        self.state = self.phi * self.state + shock
        return self.state


@dataclass(frozen=True)
class Unit:
    name: str
    symbol: str
    definition: str  # UCUM, http://unitsofmeasure.org/ucum.html

    def as_sta(self) -> dict:
        return {"name": self.name, "symbol": self.symbol, "definition": self.definition}


UG_M3 = Unit("microgram per cubic metre", "µg/m³", "http://unitsofmeasure.org/ucum.html#ug/m3")
CM = Unit("centimetre", "cm", "http://unitsofmeasure.org/ucum.html#cm")
MM = Unit("millimetre", "mm", "http://unitsofmeasure.org/ucum.html#mm")
VOLUME_PERCENT = Unit("percent by volume", "%", "http://unitsofmeasure.org/ucum.html#%25")
KW = Unit("kilowatt", "kW", "http://unitsofmeasure.org/ucum.html#kW")
VEHICLES = Unit("vehicles per interval", "Fz", "http://unitsofmeasure.org/ucum.html#%7Bvehicle%7D")


class Signal(ABC):
    unit: Unit
    observed_property: str
    definition: str

    def __init__(self, seed: int = 0):
        self.seed = seed

    @abstractmethod
    def values(self, times: Sequence[datetime]) -> list[float]:
        """One value per time, in ``unit``."""


class NitrogenDioxide(Signal):
    """NO2 at a traffic station: rush-hour peaks on workdays, flatter weekends.

    Shape after the typical diurnal NO2 cycle at German urban traffic stations (UBA,
    "Luftqualität 2023", diurnal profiles): night minimum around 03:00, morning peak
    07:00-09:00, evening peak 17:00-19:00, annual means of 20-35 µg/m³.
    """

    unit = UG_M3
    observed_property = "NO2"
    definition = "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0340/"

    def __init__(self, seed: int = 0, base: float = 18.0, rush: float = 30.0):
        super().__init__(seed)
        self.base, self.rush = base, rush

    def values(self, times):
        noise = AR1(random.Random(self.seed), phi=0.97, sigma=5.0)
        out = []
        for time in times:
            hour = local_hour(time)
            traffic = bump(hour, 8.0, 1.2) + 0.9 * bump(hour, 17.5, 1.6)
            if not is_workday(time):
                traffic = 0.45 * bump(hour, 13.0, 3.5)
            out.append(round(max(2.0, self.base + self.rush * traffic + noise.step()), 1))
        return out


class ParticulateMatter(Signal):
    """PM10 (or PM2.5 with ``fraction`` ≈ 0.65): slow regional episodes, weak daily cycle.

    PM is dominated by regional background and weather (inversions), hence a slow AR(1)
    drift; typical Dresden annual means 15-20 µg/m³ PM10 (LfULG Sachsen, Jahresbericht
    Luftqualität). PM2.5/PM10 ratios of 0.6-0.7 are typical for urban background.
    """

    unit = UG_M3
    observed_property = "PM10"
    definition = "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0495/"

    def __init__(self, seed: int = 0, fraction: float = 1.0):
        super().__init__(seed)
        self.fraction = fraction
        if fraction < 1.0:
            self.observed_property = "PM2.5"
            self.definition = "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0492/"

    def values(self, times):
        drift = AR1(random.Random(self.seed), phi=0.995, sigma=7.0)
        jitter = AR1(random.Random(self.seed + 1), phi=0.6, sigma=2.0)
        out = []
        for time in times:
            daily = 3.0 * bump(local_hour(time), 8.5, 2.0)
            value = 17.0 + daily + drift.step() + jitter.step()
            out.append(round(max(1.0, value * self.fraction), 1))
        return out


class TrafficCount(Signal):
    """Vehicles per 15 minutes on a main road: two workday peaks, Poisson counts.

    Profile after the standard hourly traffic distributions of the German HBS 2015
    (Handbuch für die Bemessung von Straßenverkehrsanlagen) for urban roads: peak hour
    about 9-10 % of daily traffic; ``daily`` vehicles per day on workdays.
    """

    unit = VEHICLES
    observed_property = "Verkehrsstärke"
    definition = "https://www.datex2.eu/schema/3/roadTrafficData#trafficFlow"

    # Integral of the workday shape over 24 h (each Gaussian bump: sqrt(2 pi) * width).
    WORKDAY_SHAPE_HOURS = 0.15 * 24 + math.sqrt(2 * math.pi) * (1.0 + 0.95 * 1.5 + 0.6 * 3.0)

    def __init__(self, seed: int = 0, daily: int = 24000):
        super().__init__(seed)
        self.daily = daily

    def values(self, times):
        rng = random.Random(self.seed)
        out = []
        for time in times:
            hour = local_hour(time)
            shape = 0.15 + bump(hour, 7.75, 1.0) + 0.95 * bump(hour, 16.75, 1.5)
            shape += 0.6 * bump(hour, 12.5, 3.0)
            if not is_workday(time):
                shape = 0.1 + 0.8 * bump(hour, 14.0, 4.0)
            expected = self.daily * shape / self.WORKDAY_SHAPE_HOURS / 4.0
            out.append(float(_poisson(rng, expected)))
        return out


class ElbeWaterLevel(Signal):
    """The Elbe at the Dresden gauge (Pegel Dresden), in cm above gauge zero.

    Mean water level about 190 cm (MW 1991-2020, Bundesanstalt für Gewässerkunde); alarm
    levels (Alarmstufen) 1-4 at 400, 500, 600 and 700 cm. A flood wave, when ``flood_peak_cm``
    and ``flood_at`` are given, rises and falls over days like the 2013 flood (peak 878 cm).
    """

    unit = CM
    observed_property = "Wasserstand"
    definition = "http://vocab.nerc.ac.uk/collection/P01/current/ASLVZZ01/"

    def __init__(self, seed=0, base_cm=190.0, flood_peak_cm=None, flood_at=None, rise_days=3.0):
        super().__init__(seed)
        self.base_cm, self.flood_peak_cm, self.flood_at = base_cm, flood_peak_cm, flood_at
        self.rise_days = rise_days

    def values(self, times):
        drift = AR1(random.Random(self.seed), phi=0.9995, sigma=25.0)
        out = []
        for time in times:
            level = self.base_cm + drift.step()
            if self.flood_peak_cm and self.flood_at:
                days = (time - self.flood_at).total_seconds() / 86400
                width = self.rise_days if days < 0 else 2 * self.rise_days
                level += (self.flood_peak_cm - self.base_cm) * math.exp(-0.5 * (days / width) ** 2)
            out.append(round(max(60.0, level), 1))
        return out


class RainGauge(Signal):
    """Rain per interval (mm): wet/dry spells as a two-state Markov chain, gamma amounts.

    The chain-dependent model of Richardson (1981, Water Resources Research 17(1)); for
    Dresden about 600 mm per year. ``burst_at`` adds a convective heavy-rain cell of
    ``burst_mm_per_h`` for ``burst_minutes`` (DWD warns from 15 mm in 1 h).
    """

    unit = MM
    observed_property = "Niederschlag"
    definition = "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0055/"

    def __init__(self, seed=0, burst_at=None, burst_mm_per_h=40.0, burst_minutes=45):
        super().__init__(seed)
        self.burst_at, self.burst_mm_per_h, self.burst_minutes = (
            burst_at,
            burst_mm_per_h,
            burst_minutes,
        )

    # Hourly transition probabilities: dry -> wet 2 %, wet -> wet 75 %; mean intensity
    # 0.96 mm/h when wet. Stationary wet share 0.02 / 0.27 = 7.4 % of hours, about 620 mm/a.
    P_START_PER_H = 0.02
    P_CONTINUE_PER_H = 0.75

    def values(self, times):
        rng = random.Random(self.seed)
        wet, out, previous = False, [], None
        for time in times:
            step_h = (time - previous).total_seconds() / 3600 if previous else 1 / 12
            previous = time
            if wet:
                wet = rng.random() < self.P_CONTINUE_PER_H**step_h
            else:
                wet = rng.random() < 1 - (1 - self.P_START_PER_H) ** step_h
            amount = rng.gammavariate(0.8, 1.2) * step_h if wet else 0.0
            if self.burst_at is not None:
                minutes = (time - self.burst_at).total_seconds() / 60
                if 0 <= minutes < self.burst_minutes:
                    amount += self.burst_mm_per_h * step_h
            out.append(round(amount, 2))
        return out


class SoilMoisture(Signal):
    """Volumetric soil moisture (%) of a sports turf: wetted by rain, dried by evaporation.

    A single-bucket model (Manabe 1969): moisture rises by rain / root-zone depth and decays
    exponentially towards the wilting point; field capacity caps it. Sandy-loam values:
    wilting point 10 %, field capacity 32 % (FAO-56, table 19).
    """

    unit = VOLUME_PERCENT
    observed_property = "Bodenfeuchte"
    definition = "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0468/"

    def __init__(self, seed=0, rain: Signal | None = None, start=22.0, root_zone_mm=150.0):
        super().__init__(seed)
        self.rain = rain or RainGauge(seed)
        self.start, self.root_zone_mm = start, root_zone_mm

    def values(self, times):
        rain = self.rain.values(times)
        moisture, out, previous = self.start, [], None
        for time, rain_mm in zip(times, rain, strict=True):
            step_h = (time - previous).total_seconds() / 3600 if previous else 0.0
            previous = time
            daylight = bump(local_hour(time), 14.0, 3.5)
            moisture -= (moisture - 10.0) * 0.004 * step_h * (0.3 + daylight)
            moisture = min(32.0, moisture + 100.0 * rain_mm / self.root_zone_mm)
            out.append(round(moisture, 1))
        return out


class EnergyMeter(Signal):
    """Electrical load (kW) of a large building: base load plus a working-day profile.

    Shape after the BDEW standard load profile G1 (commercial, workdays 08-18 h) on top of
    a hospital's constant base load (a hospital runs at 55-65 % of its peak at night).
    """

    unit = KW
    observed_property = "Wirkleistung"
    definition = "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0731/"

    def __init__(self, seed=0, peak_kw=1200.0, base_share=0.6):
        super().__init__(seed)
        self.peak_kw, self.base_share = peak_kw, base_share

    def values(self, times):
        noise = AR1(random.Random(self.seed), phi=0.9, sigma=0.02)
        out = []
        for time in times:
            hour = local_hour(time)
            day = bump(hour, 11.0, 2.5) + 0.7 * bump(hour, 15.5, 2.0)
            if not is_workday(time):
                day *= 0.4
            share = self.base_share + (1 - self.base_share) * min(1.0, day) + noise.step()
            out.append(round(self.peak_kw * max(0.3, share), 1))
        return out


def _poisson(rng: random.Random, mean: float) -> int:
    """Poisson variate: Knuth's method for small means, normal approximation above 50."""
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
