import CSVMerge
import Foundation
import Testing

@Suite("Time values in every form the docs leave open")
struct TimeValueReaderTests {
    /// The instant of an ISO 8601 UTC string, via Foundation (the reference).
    private func utc(_ text: String) -> Int64 {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)!
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    private func read(_ values: [String], _ reading: TimeReading) -> [Int64?] {
        var reader = TimeValueReader(reading)
        return values.map { reader.instant($0) }
    }

    @Test func isoWithOffsetOrZ() {
        let values = [
            "2026-10-05T13:04:11.000-04:00", "2026-10-05T17:04:11Z", "2026-10-05T22:34:11+05:30",
            "2026-10-05T22:34:11.250+0530", "2026-10-05 17:04:11z",
        ]
        // The zone of the reading does not matter when an offset is written.
        for reading in [TimeReading.utc, .zone("America/New_York"), .fixedOffset(millis: 3_600_000)] {
            #expect(
                read(values, reading) == [
                    utc("2026-10-05T17:04:11Z"), utc("2026-10-05T17:04:11Z"), utc("2026-10-05T17:04:11Z"),
                    utc("2026-10-05T17:04:11.250Z"), utc("2026-10-05T17:04:11Z"),
                ])
        }
    }

    /// "Times follow the company setting or the locale": the forms regional settings and spreadsheets write.
    @Test func regionalFormsAreWallClockTimeInTheRequestedZone() {
        let zone = TimeReading.zone("America/New_York")
        let expected = utc("2026-10-05T17:04:11Z")
        var reader = TimeValueReader(zone)
        for text in [
            "10/05/2026 01:04:11 PM", "10/5/2026 1:04:11 pm", "10/05/2026 13:04:11", "10/05/2026, 1:04:11PM",
            "2026/10/05 13:04:11", "05.10.2026 13:04:11", "10/05/2026T13:04:11",
        ] {
            #expect(reader.instant(text) == expected, "\(text)")
        }
        #expect(read(["10/05/2026 01:04:11.250 PM"], zone) == [utc("2026-10-05T17:04:11.250Z")])
        #expect(
            read(["10/05/2026 12:00 AM", "10/05/2026 12:00 PM"], zone) == [
                utc("2026-10-05T04:00:00Z"), utc("2026-10-05T16:00:00Z"),
            ])
        #expect(read(["10/05/2026"], zone) == [utc("2026-10-05T04:00:00Z")])
        // Not times: a fraction, a version, 13 o'clock PM, a 13th month, text after the time.
        #expect(
            read(["1/2", "1.2.3", "10/05/2026 13:04 PM", "13/13/2026", "10/05/2026 13:04:11 x"], zone).allSatisfy {
                $0 == nil
            })
    }

    @Test func aSlashDatesOrderComesFromTheLocaleUnlessItsNumbersSettleIt() {
        #expect(DateOrder(locale: nil) == .monthFirst && DateOrder(locale: "en") == .monthFirst)
        #expect(DateOrder(locale: "en-US") == .monthFirst && DateOrder(locale: "en_us") == .monthFirst)
        #expect(DateOrder(locale: "en-GB") == .dayFirst && DateOrder(locale: "de") == .dayFirst)
        #expect(DateOrder(locale: "fr-FR") == .dayFirst)
        var dayFirst = TimeValueReader(.utc, dateOrder: .dayFirst)
        #expect(dayFirst.instant("05/10/2026 13:04") == utc("2026-10-05T13:04:00Z"))
        // Month first by default, until a date whose first number is above 12 shows the file is day first.
        var reader = TimeValueReader(.utc)
        #expect(reader.instant("05/10/2026 13:04") == utc("2026-05-10T13:04:00Z"))
        #expect(reader.instant("13/10/2026 13:04") == utc("2026-10-13T13:04:00Z"))
        #expect(reader.instant("05/10/2026 13:04") == utc("2026-10-05T13:04:00Z"))
        // And back: a second number above 12 is month first whatever was assumed.
        #expect(dayFirst.instant("10/13/2026 00:00") == utc("2026-10-13T00:00:00Z"))
        #expect(dayFirst.instant("05/10/2026 00:00") == utc("2026-05-10T00:00:00Z"))
    }

    @Test func withoutOffsetInTheRequestedZone() {
        #expect(
            read(
                ["2026-10-05 13:04:11", "2026-10-05T13:04:11", "2026-10-05 13:04:11.5", "2026-10-05"],
                .zone("America/New_York"))
                == [
                    utc("2026-10-05T17:04:11Z"), utc("2026-10-05T17:04:11Z"), utc("2026-10-05T17:04:11.500Z"),
                    utc("2026-10-05T04:00:00Z"),
                ])
        #expect(read(["2026-10-05 22:34:11"], .zone("Asia/Kolkata")) == [utc("2026-10-05T17:04:11Z")])
        #expect(read(["2026-10-05 13:04:11"], .utc) == [utc("2026-10-05T13:04:11Z")])
    }

    @Test func timezoneOffsetShiftedLocalTimes() {
        // timezoneOffset=+05:30 (19,800,000 ms): local = UTC + offset.
        #expect(
            read(["2026-10-05 22:34:11", "2026-10-05T22:34:11.000"], .fixedOffset(millis: 19_800_000))
                == [utc("2026-10-05T17:04:11Z"), utc("2026-10-05T17:04:11Z")])
        #expect(read(["2026-10-05 12:04:11"], .fixedOffset(millis: -18_000_000)) == [utc("2026-10-05T17:04:11Z")])
    }

    @Test func epochSecondsAndMilliseconds() {
        #expect(
            read(["1791219851", "1791219851000", "1791219851.25", "-100000000", "999999999"], .zone("Europe/Berlin"))
                == [1_791_219_851_000, 1_791_219_851_000, 1_791_219_851_250, -100_000_000_000, 999_999_999_000])
    }

    @Test func aLeapDay() {
        #expect(
            read(["2028-02-29 23:30:00", "2028-02-29T12:00:00+05:30", "2028-03-01"], .zone("Europe/Berlin"))
                == [utc("2028-02-29T22:30:00Z"), utc("2028-02-29T06:30:00Z"), utc("2028-02-29T23:00:00Z")])
    }

    @Test func theFallBackHourIsOrderedByFilePositionInNewYork() {
        // 2026-11-01: 01:00–01:59 happens twice (EDT, then EST).
        let values = [
            "2026-11-01 00:59:00", "2026-11-01 01:10:00", "2026-11-01 01:50:00", "2026-11-01 01:05:00",
            "2026-11-01 01:10:00", "2026-11-01 02:00:00",
        ]
        #expect(
            read(values, .zone("America/New_York")) == [
                utc("2026-11-01T04:59:00Z"), utc("2026-11-01T05:10:00Z"), utc("2026-11-01T05:50:00Z"),
                utc("2026-11-01T06:05:00Z"), utc("2026-11-01T06:10:00Z"), utc("2026-11-01T07:00:00Z"),
            ])
    }

    @Test func theFallBackHourIsOrderedByFilePositionInBerlin() {
        // 2026-10-25: 02:00–02:59 happens twice (CEST, then CET).
        let values = ["2026-10-25 02:30:00", "2026-10-25 02:30:00", "2026-10-25 02:15:00", "2026-10-25 02:45:00"]
        #expect(
            read(values, .zone("Europe/Berlin")) == [
                utc("2026-10-25T00:30:00Z"), utc("2026-10-25T00:30:00Z"), utc("2026-10-25T01:15:00Z"),
                utc("2026-10-25T01:45:00Z"),
            ])
        // A file that starts in the second reading still reads its first value as the earlier one: nothing
        // before it says otherwise; a later value in the first reading would then be out of order.
        #expect(read(["2026-10-25 03:10:00"], .zone("Europe/Berlin")) == [utc("2026-10-25T02:10:00Z")])
    }

    @Test func aSpringForwardGapUsesTheOffsetBefore() {
        // 2026-03-08 02:30 does not exist in New York; read with EST (-05:00).
        #expect(read(["2026-03-08 02:30:00"], .zone("America/New_York")) == [utc("2026-03-08T07:30:00Z")])
        #expect(read(["2026-03-08 03:30:00"], .zone("America/New_York")) == [utc("2026-03-08T07:30:00Z")])
    }

    @Test func anythingElseIsNil() {
        #expect(
            read(
                ["", "n/a", "10/05/2026 25:04", "2026-13-01", "12345", "2026-10-05T25:00:00", "17912198510000000"],
                .utc) == [nil, nil, nil, nil, nil, nil, nil])
    }
}
