"""The demo catalogue: real-world coverage regions and plans, named in every language the
site speaks and priced in every currency it sells in, at local price points (4,900 won,
79 NT dollars), not conversions. Prices are written as staff type them in the back office."""

from dataclasses import dataclass

from django.utils.text import slugify

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


def names(en: str, zh_hans: str, zh_hant: str, ja: str, ko: str) -> dict[str, str]:
    """One text in each language of settings.LANGUAGES."""
    return {"en": en, "zh-hans": zh_hans, "zh-hant": zh_hant, "ja": ja, "ko": ko}


@dataclass(frozen=True)
class DemoRegion:
    code: str
    name: dict[str, str]
    countries: list[str]


@dataclass(frozen=True)
class DemoPlan:
    kind: str
    name: dict[str, str]
    description: dict[str, str]
    data_bytes: int | None
    fair_use_kbps: int | None
    days: int
    prices: dict[str, str]  # currency -> amount as written ("9.90", "1200")

    @property
    def code(self) -> str:
        return slugify(self.name["en"])


REGIONS = [
    DemoRegion(
        "europe-33",
        names("Europe-33", "欧洲33国", "歐洲33國", "ヨーロッパ33か国", "유럽 33개국"),
        EUROPE_33,
    ),
    DemoRegion(
        "south-east-asia",
        names("South-East Asia", "东南亚", "東南亞", "東南アジア", "동남아시아"),
        SOUTH_EAST_ASIA,
    ),
    DemoRegion("japan", names("Japan", "日本", "日本", "日本", "일본"), JAPAN),
    DemoRegion(
        "greater-china",
        names(
            "Greater China",
            "中国大陆及港澳台",
            "中港澳台",
            "中国・香港・マカオ・台湾",
            "중국·홍콩·마카오·대만",
        ),
        GREATER_CHINA,
    ),
    DemoRegion("global", names("Global", "全球", "全球", "グローバル", "글로벌"), GLOBAL),
]

GB = 1024**3

# region code -> its plans, cheapest first
PLANS = {
    "europe-33": [
        DemoPlan(
            "day_pass",
            names(
                "Europe day pass 1 GB",
                "欧洲 1天 1GB",
                "歐洲 1天 1GB",
                "ヨーロッパ 1日 1GB",
                "유럽 1일 1GB",
            ),
            names(
                "One day of data in 33 European countries, counted from first use.",
                "欧洲33国通用，首次使用起算1天。",
                "歐洲33國通用，首次使用起算1天。",
                "ヨーロッパ33か国で、初回利用から1日間使えます。",
                "유럽 33개국에서 처음 사용한 시점부터 1일간 사용할 수 있어요.",
            ),
            1 * GB,
            None,
            1,
            {
                "CNY": "18",
                "HKD": "19",
                "USD": "2.49",
                "EUR": "2.29",
                "JPY": "380",
                "KRW": "3300",
                "TWD": "79",
                "SGD": "3.40",
                "GBP": "1.99",
            },
        ),
        DemoPlan(
            "week",
            names(
                "Europe week 5 GB",
                "欧洲 7天 5GB",
                "歐洲 7天 5GB",
                "ヨーロッパ 7日間 5GB",
                "유럽 7일 5GB",
            ),
            names(
                "A week across 33 countries: enough for maps, messages and photos.",
                "欧洲33国畅游7天，导航、聊天、晒照片都够用。",
                "歐洲33國暢遊7天，導航、聊天、分享照片都夠用。",
                "ヨーロッパ33か国で7日間。地図、メッセージ、写真の共有に十分です。",
                "유럽 33개국에서 7일간 지도, 메시지, 사진 공유에 넉넉해요.",
            ),
            5 * GB,
            None,
            7,
            {
                "CNY": "68",
                "HKD": "73",
                "USD": "9.49",
                "EUR": "8.79",
                "JPY": "1480",
                "KRW": "12900",
                "TWD": "299",
                "SGD": "12.90",
                "GBP": "7.49",
            },
        ),
        DemoPlan(
            "week",
            names(
                "Europe week unlimited",
                "欧洲 7天 不限量",
                "歐洲 7天 無限量",
                "ヨーロッパ 7日間 無制限",
                "유럽 7일 무제한",
            ),
            names(
                "Stream and share all week in 33 countries without counting.",
                "欧洲33国7天不限量，追剧分享不用算流量。",
                "歐洲33國7天無限量，追劇分享不必算流量。",
                "ヨーロッパ33か国で7日間、容量を気にせず動画も楽しめます。",
                "유럽 33개국에서 7일간 데이터 걱정 없이 영상도 즐길 수 있어요.",
            ),
            None,
            512,
            7,
            {
                "CNY": "128",
                "HKD": "138",
                "USD": "17.90",
                "EUR": "16.50",
                "JPY": "2700",
                "KRW": "24900",
                "TWD": "570",
                "SGD": "23.90",
                "GBP": "13.99",
            },
        ),
        DemoPlan(
            "month",
            names(
                "Europe month 20 GB",
                "欧洲 30天 20GB",
                "歐洲 30天 20GB",
                "ヨーロッパ 30日間 20GB",
                "유럽 30일 20GB",
            ),
            names(
                "A month in Europe, for long trips and study stays.",
                "欧洲33国30天，适合长线旅行和游学。",
                "歐洲33國30天，適合長程旅行與遊學。",
                "ヨーロッパ33か国で30日間。長期の旅行や留学に。",
                "유럽 33개국에서 30일간. 장기 여행과 어학연수에 알맞아요.",
            ),
            20 * GB,
            None,
            30,
            {
                "CNY": "168",
                "HKD": "178",
                "USD": "22.90",
                "EUR": "21.20",
                "JPY": "3480",
                "KRW": "31900",
                "TWD": "720",
                "SGD": "30.90",
                "GBP": "17.99",
            },
        ),
        DemoPlan(
            "year",
            names(
                "Europe year 100 GB",
                "欧洲 1年 100GB",
                "歐洲 1年 100GB",
                "ヨーロッパ 1年 100GB",
                "유럽 1년 100GB",
            ),
            names(
                "A whole year of European data for frequent travellers.",
                "欧洲33国全年可用，常出差、常旅行的首选。",
                "歐洲33國全年可用，常出差、常旅行的首選。",
                "ヨーロッパ33か国で1年間。出張や旅行の多い方に。",
                "유럽 33개국에서 1년간. 출장과 여행이 잦은 분께 알맞아요.",
            ),
            100 * GB,
            None,
            365,
            {
                "CNY": "698",
                "HKD": "748",
                "USD": "95.90",
                "EUR": "88.90",
                "JPY": "14800",
                "KRW": "129000",
                "TWD": "2990",
                "SGD": "129",
                "GBP": "74.99",
            },
        ),
    ],
    "south-east-asia": [
        DemoPlan(
            "day_pass",
            names(
                "South-East Asia day pass 1 GB",
                "东南亚 1天 1GB",
                "東南亞 1天 1GB",
                "東南アジア 1日 1GB",
                "동남아 1일 1GB",
            ),
            names(
                "One day of data in ten countries, counted from first use.",
                "东南亚10国通用，首次使用起算1天。",
                "東南亞10國通用，首次使用起算1天。",
                "東南アジア10か国で、初回利用から1日間使えます。",
                "동남아 10개국에서 처음 사용한 시점부터 1일간 사용할 수 있어요.",
            ),
            1 * GB,
            None,
            1,
            {
                "CNY": "12",
                "HKD": "13",
                "USD": "1.69",
                "EUR": "1.59",
                "JPY": "260",
                "KRW": "2300",
                "TWD": "55",
                "SGD": "2.30",
                "GBP": "1.29",
            },
        ),
        DemoPlan(
            "week",
            names(
                "South-East Asia week 6 GB",
                "东南亚 7天 6GB",
                "東南亞 7天 6GB",
                "東南アジア 7日間 6GB",
                "동남아 7일 6GB",
            ),
            names(
                "A week of island hopping and city breaks.",
                "东南亚7天，跳岛、逛城市都够用。",
                "東南亞7天，跳島、逛城市都夠用。",
                "東南アジアで7日間。島めぐりや街歩きに。",
                "동남아에서 7일간. 섬 여행과 도시 여행에 알맞아요.",
            ),
            6 * GB,
            None,
            7,
            {
                "CNY": "48",
                "HKD": "52",
                "USD": "6.69",
                "EUR": "6.19",
                "JPY": "1000",
                "KRW": "8900",
                "TWD": "210",
                "SGD": "8.90",
                "GBP": "5.29",
            },
        ),
        DemoPlan(
            "month",
            names(
                "South-East Asia month 30 GB",
                "东南亚 30天 30GB",
                "東南亞 30天 30GB",
                "東南アジア 30日間 30GB",
                "동남아 30일 30GB",
            ),
            names(
                "A month in the region, for long stays and remote work.",
                "东南亚30天，长住、远程办公都合适。",
                "東南亞30天，長住、遠距工作都合適。",
                "東南アジアで30日間。長期滞在やリモートワークに。",
                "동남아에서 30일간. 장기 체류와 원격 근무에 알맞아요.",
            ),
            30 * GB,
            None,
            30,
            {
                "CNY": "128",
                "HKD": "138",
                "USD": "17.90",
                "EUR": "16.50",
                "JPY": "2700",
                "KRW": "24900",
                "TWD": "570",
                "SGD": "23.90",
                "GBP": "13.99",
            },
        ),
    ],
    "japan": [
        DemoPlan(
            "day_pass",
            names(
                "Japan day pass unlimited",
                "日本 1天 不限量",
                "日本 1天 無限量",
                "日本 1日 無制限",
                "일본 1일 무제한",
            ),
            names(
                "Unlimited data for one day, counted from first use.",
                "日本1天不限量，首次使用起算。",
                "日本1天無限量，首次使用起算。",
                "日本で初回利用から1日間、データ無制限。",
                "일본에서 처음 사용한 시점부터 1일간 데이터 무제한이에요.",
            ),
            None,
            1024,
            1,
            {
                "CNY": "25",
                "HKD": "27",
                "USD": "3.49",
                "EUR": "3.19",
                "JPY": "520",
                "KRW": "4900",
                "TWD": "110",
                "SGD": "4.70",
                "GBP": "2.79",
            },
        ),
        DemoPlan(
            "week",
            names(
                "Japan week 10 GB",
                "日本 7天 10GB",
                "日本 7天 10GB",
                "日本 7日間 10GB",
                "일본 7일 10GB",
            ),
            names(
                "Seven days of fast data all over Japan.",
                "日本全境7天高速上网。",
                "日本全境7天高速上網。",
                "日本全国で7日間使える高速データ。",
                "일본 전역에서 7일간 빠른 데이터를 사용할 수 있어요.",
            ),
            10 * GB,
            None,
            7,
            {
                "CNY": "78",
                "HKD": "84",
                "USD": "10.90",
                "EUR": "9.99",
                "JPY": "1600",
                "KRW": "14900",
                "TWD": "340",
                "SGD": "14.90",
                "GBP": "8.49",
            },
        ),
        DemoPlan(
            "month",
            names(
                "Japan month 30 GB",
                "日本 30天 30GB",
                "日本 30天 30GB",
                "日本 30日間 30GB",
                "일본 30일 30GB",
            ),
            names(
                "A month in Japan, for long stays and study.",
                "日本30天，长住、留学都合适。",
                "日本30天，長住、留學都合適。",
                "日本で30日間。長期滞在や留学に。",
                "일본에서 30일간. 장기 체류와 유학에 알맞아요.",
            ),
            30 * GB,
            None,
            30,
            {
                "CNY": "158",
                "HKD": "169",
                "USD": "21.90",
                "EUR": "19.90",
                "JPY": "3200",
                "KRW": "29900",
                "TWD": "690",
                "SGD": "29.90",
                "GBP": "16.99",
            },
        ),
    ],
    "greater-china": [
        DemoPlan(
            "week",
            names(
                "Greater China week 5 GB",
                "中国大陆及港澳台 7天 5GB",
                "中港澳台 7天 5GB",
                "中華圏 7日間 5GB",
                "중화권 7일 5GB",
            ),
            names(
                "One card for mainland China, Hong Kong, Macao and Taiwan, for a week.",
                "一张卡畅行中国大陆、香港、澳门和台湾，7天。",
                "一張卡暢行中國大陸、香港、澳門和台灣，7天。",
                "中国本土・香港・マカオ・台湾を1枚で7日間。",
                "카드 한 장으로 중국 본토·홍콩·마카오·대만에서 7일간 이용해요.",
            ),
            5 * GB,
            None,
            7,
            {
                "CNY": "38",
                "HKD": "41",
                "USD": "5.29",
                "EUR": "4.89",
                "JPY": "790",
                "KRW": "7200",
                "TWD": "169",
                "SGD": "7.20",
                "GBP": "4.19",
            },
        ),
        DemoPlan(
            "month",
            names(
                "Greater China month 20 GB",
                "中国大陆及港澳台 30天 20GB",
                "中港澳台 30天 20GB",
                "中華圏 30日間 20GB",
                "중화권 30일 20GB",
            ),
            names(
                "A month across mainland China, Hong Kong, Macao and Taiwan.",
                "中国大陆、香港、澳门和台湾通用30天。",
                "中國大陸、香港、澳門和台灣通用30天。",
                "中国本土・香港・マカオ・台湾で30日間使えます。",
                "중국 본토·홍콩·마카오·대만에서 30일간 이용해요.",
            ),
            20 * GB,
            None,
            30,
            {
                "CNY": "98",
                "HKD": "105",
                "USD": "13.69",
                "EUR": "12.59",
                "JPY": "2000",
                "KRW": "18900",
                "TWD": "430",
                "SGD": "18.50",
                "GBP": "10.99",
            },
        ),
    ],
    "global": [
        DemoPlan(
            "week",
            names(
                "Global week 3 GB",
                "全球 7天 3GB",
                "全球 7天 3GB",
                "グローバル 7日間 3GB",
                "글로벌 7일 3GB",
            ),
            names(
                "A week in over 60 countries and regions, for trips with many stops.",
                "全球60多个国家和地区通用7天，多国行程一卡搞定。",
                "全球60多個國家和地區通用7天，多國行程一卡搞定。",
                "60以上の国と地域で7日間。周遊旅行に。",
                "60개 이상 국가·지역에서 7일간. 여러 나라를 도는 여행에 알맞아요.",
            ),
            3 * GB,
            None,
            7,
            {
                "CNY": "98",
                "HKD": "105",
                "USD": "13.69",
                "EUR": "12.59",
                "JPY": "2000",
                "KRW": "18900",
                "TWD": "430",
                "SGD": "18.50",
                "GBP": "10.99",
            },
        ),
        DemoPlan(
            "month",
            names(
                "Global month 10 GB",
                "全球 30天 10GB",
                "全球 30天 10GB",
                "グローバル 30日間 10GB",
                "글로벌 30일 10GB",
            ),
            names(
                "A month in over 60 countries and regions.",
                "全球60多个国家和地区通用30天。",
                "全球60多個國家和地區通用30天。",
                "60以上の国と地域で30日間使えます。",
                "60개 이상 국가·지역에서 30일간 이용해요.",
            ),
            10 * GB,
            None,
            30,
            {
                "CNY": "258",
                "HKD": "278",
                "USD": "35.90",
                "EUR": "32.90",
                "JPY": "5400",
                "KRW": "49000",
                "TWD": "1150",
                "SGD": "48.90",
                "GBP": "28.49",
            },
        ),
        DemoPlan(
            "year",
            names(
                "Global year 50 GB",
                "全球 1年 50GB",
                "全球 1年 50GB",
                "グローバル 1年 50GB",
                "글로벌 1년 50GB",
            ),
            names(
                "A year of data in over 60 countries and regions: ready whenever you go.",
                "全球60多个国家和地区全年可用，说走就走。",
                "全球60多個國家和地區全年可用，說走就走。",
                "60以上の国と地域で1年間。思い立ったらすぐ出発できます。",
                "60개 이상 국가·지역에서 1년간. 언제든 바로 떠날 수 있어요.",
            ),
            50 * GB,
            None,
            365,
            {
                "CNY": "1298",
                "HKD": "1398",
                "USD": "179.90",
                "EUR": "165.90",
                "JPY": "26800",
                "KRW": "245000",
                "TWD": "5700",
                "SGD": "239",
                "GBP": "139",
            },
        ),
    ],
}
