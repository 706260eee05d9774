"""The demo catalogue: a few real-world coverage regions and plans priced per currency."""

EU27 = [
    "AT",
    "BE",
    "BG",
    "HR",
    "CY",
    "CZ",
    "DK",
    "EE",
    "FI",
    "FR",
    "DE",
    "GR",
    "HU",
    "IE",
    "IT",
    "LV",
    "LT",
    "LU",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SK",
    "SI",
    "ES",
    "SE",
]
EUROPE_33 = EU27 + ["GB", "CH", "NO", "IS", "LI", "MC"]
SOUTH_EAST_ASIA = ["TH", "VN", "MY", "SG", "ID", "PH", "KH", "LA", "MM", "BN"]
JAPAN = ["JP"]
GREATER_CHINA = ["CN", "HK", "MO", "TW"]
GLOBAL = sorted(
    set(EUROPE_33 + SOUTH_EAST_ASIA + JAPAN + GREATER_CHINA)
    | {"US", "CA", "MX", "AU", "NZ", "KR", "IN", "AE", "TR", "EG", "ZA", "BR", "AR", "CL"}
)

REGIONS = [
    # code, name, countries
    ("europe-33", "Europe-33", EUROPE_33),
    ("south-east-asia", "South-East Asia", SOUTH_EAST_ASIA),
    ("japan", "Japan", JAPAN),
    ("greater-china", "Greater China", GREATER_CHINA),
    ("global", "Global", GLOBAL),
]

GB = 1024**3

# region code -> [(kind, name, data bytes or None, fair-use kbit/s, days, {currency: minor units})]
PLANS = {
    "europe-33": [
        (
            "day_pass",
            "Europe day pass 1 GB",
            1 * GB,
            None,
            1,
            {"CNY": 1800, "HKD": 1900, "USD": 249, "EUR": 229},
        ),
        (
            "week",
            "Europe week 5 GB",
            5 * GB,
            None,
            7,
            {"CNY": 6800, "HKD": 7300, "USD": 949, "EUR": 879},
        ),
        (
            "week",
            "Europe week unlimited",
            None,
            512,
            7,
            {"CNY": 12800, "HKD": 13800, "USD": 1790, "EUR": 1650},
        ),
        (
            "month",
            "Europe month 20 GB",
            20 * GB,
            None,
            30,
            {"CNY": 16800, "HKD": 17800, "USD": 2290, "EUR": 2120},
        ),
        (
            "year",
            "Europe year 100 GB",
            100 * GB,
            None,
            365,
            {"CNY": 69800, "HKD": 74800, "USD": 9590, "EUR": 8890},
        ),
    ],
    "south-east-asia": [
        (
            "day_pass",
            "South-East Asia day pass 1 GB",
            1 * GB,
            None,
            1,
            {"CNY": 1200, "HKD": 1300, "USD": 169, "EUR": 159},
        ),
        (
            "week",
            "South-East Asia week 6 GB",
            6 * GB,
            None,
            7,
            {"CNY": 4800, "HKD": 5200, "USD": 669, "EUR": 619},
        ),
        (
            "month",
            "South-East Asia month 30 GB",
            30 * GB,
            None,
            30,
            {"CNY": 12800, "HKD": 13800, "USD": 1790, "EUR": 1650},
        ),
    ],
    "japan": [
        (
            "day_pass",
            "Japan day pass unlimited",
            None,
            1024,
            1,
            {"CNY": 2500, "HKD": 2700, "USD": 349, "EUR": 319, "JPY": 520},
        ),
        (
            "week",
            "Japan week 10 GB",
            10 * GB,
            None,
            7,
            {"CNY": 7800, "HKD": 8400, "USD": 1090, "EUR": 999, "JPY": 1600},
        ),
        (
            "month",
            "Japan month 30 GB",
            30 * GB,
            None,
            30,
            {"CNY": 15800, "HKD": 16900, "USD": 2190, "EUR": 1990, "JPY": 3200},
        ),
    ],
    "greater-china": [
        (
            "week",
            "Greater China week 5 GB",
            5 * GB,
            None,
            7,
            {"CNY": 3800, "HKD": 4100, "USD": 529, "EUR": 489},
        ),
        (
            "month",
            "Greater China month 20 GB",
            20 * GB,
            None,
            30,
            {"CNY": 9800, "HKD": 10500, "USD": 1369, "EUR": 1259},
        ),
    ],
    "global": [
        (
            "week",
            "Global week 3 GB",
            3 * GB,
            None,
            7,
            {"CNY": 9800, "HKD": 10500, "USD": 1369, "EUR": 1259},
        ),
        (
            "month",
            "Global month 10 GB",
            10 * GB,
            None,
            30,
            {"CNY": 25800, "HKD": 27800, "USD": 3590, "EUR": 3290},
        ),
        (
            "year",
            "Global year 50 GB",
            50 * GB,
            None,
            365,
            {"CNY": 129800, "HKD": 139800, "USD": 17990, "EUR": 16590},
        ),
    ],
}
