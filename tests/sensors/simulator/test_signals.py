"""The synthetic streams look like the real ones: sizes, daily shapes, events."""

import statistics
from datetime import UTC, datetime, timedelta

import pytest

from smartcity.sensors.simulator import signals

# A workday week in June 2026 (Monday 1 June) and its weekend, every 15 minutes.
START = datetime(2026, 6, 1, tzinfo=UTC)
WEEK = [START + timedelta(minutes=15 * i) for i in range(7 * 96)]


def at_local_hour(times, values, hours, workdays=True):
    return [
        v
        for t, v in zip(times, values, strict=True)
        if int(signals.local_hour(t)) in hours and signals.is_workday(t) == workdays
    ]


def test_same_seed_same_values_other_seed_other_values():
    assert signals.NitrogenDioxide(seed=3).values(WEEK) == signals.NitrogenDioxide(3).values(WEEK)
    assert signals.NitrogenDioxide(seed=3).values(WEEK) != signals.NitrogenDioxide(4).values(WEEK)


def test_no2_has_rush_hour_peaks_on_workdays():
    values = signals.NitrogenDioxide(seed=1).values(WEEK)
    rush = statistics.mean(at_local_hour(WEEK, values, {7, 8}))
    night = statistics.mean(at_local_hour(WEEK, values, {2, 3}))
    weekend_morning = statistics.mean(at_local_hour(WEEK, values, {7, 8}, workdays=False))
    assert rush > night + 15
    assert rush > weekend_morning + 10
    assert 15 < statistics.mean(values) < 45 and min(values) >= 2


def test_pm25_is_a_fraction_of_pm10():
    pm10 = signals.ParticulateMatter(seed=2).values(WEEK)
    pm25 = signals.ParticulateMatter(seed=2, fraction=0.65).values(WEEK)
    assert statistics.mean(pm25) == pytest.approx(0.65 * statistics.mean(pm10), rel=0.02)
    assert signals.ParticulateMatter(fraction=0.65).observed_property == "PM2.5"


def test_traffic_counts_add_up_to_the_daily_volume():
    values = signals.TrafficCount(seed=5, daily=24000).values(WEEK)
    monday = sum(values[:96])
    assert 18000 < monday < 30000
    assert all(v == int(v) and v >= 0 for v in values)
    assert statistics.mean(at_local_hour(WEEK, values, {7})) > 3 * statistics.mean(
        at_local_hour(WEEK, values, {2})
    )


def test_elbe_flood_wave_crosses_alarm_levels_and_recedes():
    peak_time = START + timedelta(days=10)
    days = [START + timedelta(hours=h) for h in range(24 * 25)]
    levels = signals.ElbeWaterLevel(seed=1, flood_peak_cm=750, flood_at=peak_time).values(days)
    assert levels[0] < 400
    assert max(levels) > 700  # Alarmstufe 4
    assert days[levels.index(max(levels))] - peak_time < timedelta(days=1.5)
    assert levels[-1] < levels[levels.index(max(levels))] - 200


def test_rain_is_intermittent_and_the_heavy_rain_burst_is_there():
    year = [START + timedelta(minutes=5 * i) for i in range(0, 365 * 288, 1)]
    rain = signals.RainGauge(seed=9).values(year)
    assert 350 < sum(rain) < 950  # Dresden: about 600 mm per year
    assert 0.8 < rain.count(0.0) / len(rain) < 0.97
    burst = START + timedelta(hours=5)
    hour = [burst + timedelta(minutes=5 * i) for i in range(12)]
    assert sum(signals.RainGauge(seed=9, burst_at=burst, burst_mm_per_h=40).values(hour)) >= 29.9


def test_soil_moisture_rises_with_rain_and_dries_between():
    rain = signals.RainGauge(seed=4, burst_at=START + timedelta(days=3), burst_mm_per_h=20)
    moisture = signals.SoilMoisture(seed=4, rain=rain, start=20).values(WEEK)
    before = moisture[3 * 96 - 1]
    after = moisture[3 * 96 + 4]
    assert after > before + 2
    assert all(10 <= m <= 32 for m in moisture)


def test_energy_meter_keeps_a_base_load_at_night():
    values = signals.EnergyMeter(seed=1, peak_kw=1000, base_share=0.6).values(WEEK)
    night = statistics.mean(at_local_hour(WEEK, values, {2, 3}))
    noon = statistics.mean(at_local_hour(WEEK, values, {11}))
    assert 500 < night < 700 and noon > 900
