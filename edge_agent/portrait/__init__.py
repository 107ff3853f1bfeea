"""The life portrait (生活画像): each resident's learned routine, pure and snapshot-able.

``DayClock`` places instants on the resident's local "portrait day" (which starts at an
evening boundary, so a night is never split); ``DayRecorder`` condenses one day of signs of
life into a ``DayRecord``; ``LifePortrait`` learns day records (River style, ``learn_one``)
into robust statistics over a window of days; ``PortraitTracker`` turns device readings into
all of that and is what the routine detectors embed.
"""
