"""The demo traveller's questions to customer service, in each language the site speaks (the
demo writes them in the traveller's): one answered, about the Europe card, and one waiting
for staff, about the South-East Asia day pass, so that *My questions* and the back office's
queue have something in them from the first `make run`."""

from dataclasses import dataclass

from roamcard.support.choices import TicketTopic

from .catalogue import names


@dataclass(frozen=True)
class DemoQuestion:
    topic: str
    subject: dict[str, str]
    body: dict[str, str]
    # The saved reply customer service answered with (standard_replies.py), or "" if the
    # question still waits for them.
    answered_with: str = ""


# Answered: the traveller has no data in Paris; staff sent the roaming and restart reply.
NO_DATA_IN_PARIS = DemoQuestion(
    topic=TicketTopic.DATA,
    subject=names(
        "No internet in Paris",
        "在巴黎上不了网",
        "在巴黎無法上網",
        "パリでインターネットにつながりません",
        "파리에서 인터넷이 안 돼요",
    ),
    body=names(
        "Hi, I landed in Paris this morning. The app says my Europe card still has data, but "
        "my phone shows no internet at all. What should I do?",
        "你好，我今天早上刚到巴黎。App 上显示我的欧洲卡还有流量，但手机完全上不了网，请问该"
        "怎么办？",
        "您好，我今天早上剛抵達巴黎。App 上顯示我的歐洲卡還有流量，但手機完全無法上網，請問"
        "該怎麼辦？",
        "今朝パリに着きました。アプリではヨーロッパのカードにデータが残っていると表示されて"
        "いますが、スマホがまったくインターネットにつながりません。どうすればよいでしょうか。",
        "안녕하세요, 오늘 아침에 파리에 도착했어요. 앱에는 유럽 카드에 데이터가 남아 있다고 "
        "나오는데 휴대폰이 인터넷에 전혀 연결되지 않아요. 어떻게 하면 될까요?",
    ),
    answered_with="no-data-abroad",
)

# Waiting for staff: when does a day pass start? (On its first use in a covered country.)
DAY_PASS_START = DemoQuestion(
    topic=TicketTopic.DATA,
    subject=names(
        "When does my day pass start?",
        "一日流量包什么时候开始计算？",
        "一日方案什麼時候開始計算？",
        "1日プランはいつから始まりますか？",
        "1일 요금제는 언제부터 시작돼요?",
    ),
    body=names(
        "I'm flying to Bangkok next week and already have the South-East Asia day pass on my "
        "eSIM. Does the day start counting now, or only when I arrive?",
        "我下周飞曼谷，eSIM 上已经有东南亚一日流量包了。请问这一天是从现在开始算，还是到了"
        "当地才开始？",
        "我下週飛曼谷，eSIM 上已經有東南亞一日方案了。請問這一天是從現在開始算，還是到了"
        "當地才開始？",
        "来週バンコクに行きます。eSIM に東南アジアの 1 日プランがすでに入っていますが、1 日"
        "は今から数えられますか？それとも現地に着いてからですか？",
        "다음 주에 방콕에 가는데 eSIM에 동남아시아 1일 요금제가 이미 있어요. 하루가 지금부터 "
        "계산되나요, 아니면 현지에 도착한 다음부터인가요?",
    ),
)
