"""The saved replies roamcard ships: what customer service of a travel SIM provider writes
many times a day, in every language the site speaks. `support_load_saved_replies` loads
the missing ones (the demo does too); staff edit them in the back office like their own.

They say what roamcard really does: a renewal bought early starts when the current plan
ends or runs out (decision 0003), 5 wrong card passwords lock a card number for an hour
(0002), a refund's message names the amount and the date to expect it by, and a partial
refund takes back a share of the plan's data (0011), and writing again opens a closed
conversation (0012). `{apn}` is the provider's APN, given when loading."""

from dataclasses import dataclass

from .choices import TicketTopic

# The access point name the demo's simulated network answers to; a provider loads the
# replies with its own (`--apn`) or edits the reply in the back office.
DEFAULT_APN = "roamcard"


def each(en: str, zh_hans: str, zh_hant: str, ja: str, ko: str) -> dict[str, str]:
    """One text in each language of settings.LANGUAGES."""
    return {"en": en, "zh-hans": zh_hans, "zh-hant": zh_hant, "ja": ja, "ko": ko}


@dataclass(frozen=True)
class StandardReply:
    key: str
    topic: str
    title: dict[str, str]
    body: dict[str, str]


STANDARD_REPLIES = [
    StandardReply(
        key="no-data-abroad",
        topic=TicketTopic.DATA,
        title=each(
            "No data abroad: roaming and restart",
            "境外无法上网：数据漫游与重启",
            "在國外無法上網：數據漫遊與重新開機",
            "海外で通信できない：ローミングと再起動",
            "해외에서 데이터가 안 될 때: 로밍과 재시작",
        ),
        body=each(
            "Hello, thank you for your message.\n\n"
            "Your card has data left, so let's get your phone connected:\n"
            "1. Check that data roaming is switched on for this SIM (iPhone: Settings → "
            "Mobile Data → Mobile Data Options → Data Roaming; Android: Settings → Network & "
            "internet → SIMs → Roaming).\n"
            "2. If your phone has two SIMs, choose this one for mobile data.\n"
            "3. Restart your phone, or switch aeroplane mode on and off, so that it registers "
            "on a local network.\n\n"
            "If it still does not connect, please reply with the country and city you are in, "
            "and we will check your card on the network straight away.",
            "您好，感谢您的留言。\n\n"
            "您的卡还有剩余流量，请按以下步骤让手机连上网络：\n"
            "1. 确认这张 SIM 卡已开启数据漫游（iPhone：设置 → 蜂窝网络 → 蜂窝数据选项 → "
            "数据漫游；安卓：设置 → 网络和互联网 → SIM 卡 → 漫游）。\n"
            "2. 如果是双卡手机，请选择这张卡作为上网用的卡。\n"
            "3. 重启手机，或开关一次飞行模式，让手机重新连接当地网络。\n\n"
            "如果仍然无法上网，请回复告诉我们您所在的国家和城市，我们会马上在网络端为您检查"
            "这张卡。",
            "您好，感謝您的來信。\n\n"
            "您的卡還有剩餘流量，請依照以下步驟讓手機連上網路：\n"
            "1. 確認這張 SIM 卡已開啟數據漫遊（iPhone：設定 → 行動服務 → 行動數據選項 → "
            "數據漫遊；Android：設定 → 網路和網際網路 → SIM 卡 → 漫遊）。\n"
            "2. 如果是雙卡手機，請選擇這張卡作為上網用的卡。\n"
            "3. 重新開機，或開關一次飛航模式，讓手機重新連上當地網路。\n\n"
            "如果仍然無法上網，請回覆告訴我們您所在的國家和城市，我們會立即在網路端為您檢查"
            "這張卡。",
            "お問い合わせありがとうございます。\n\n"
            "カードにはデータが残っていますので、次の手順で接続をお試しください。\n"
            "1. この SIM のデータローミングがオンになっているかご確認ください（iPhone：設定 → "
            "モバイル通信 → 通信のオプション → データローミング、Android：設定 → "
            "ネットワークとインターネット → SIM → ローミング）。\n"
            "2. SIM が 2 枚入っている端末では、モバイルデータ通信にこの SIM を選んでください。\n"
            "3. 端末を再起動するか、機内モードをオンにしてからオフに戻し、現地のネットワークに"
            "接続し直してください。\n\n"
            "それでもつながらない場合は、いらっしゃる国と都市をこちらにご返信ください。"
            "すぐにネットワーク側でカードの状態をお調べします。",
            "안녕하세요, 문의해 주셔서 감사해요.\n\n"
            "카드에 데이터가 남아 있으니 아래 순서대로 연결해 보세요.\n"
            "1. 이 SIM의 데이터 로밍이 켜져 있는지 확인해 주세요(iPhone: 설정 → 셀룰러 → "
            "셀룰러 데이터 옵션 → 데이터 로밍, Android: 설정 → 연결 → 모바일 네트워크 → "
            "데이터 로밍).\n"
            "2. 듀얼 SIM 휴대폰이라면 모바일 데이터에 이 SIM을 선택해 주세요.\n"
            "3. 휴대폰을 다시 시작하거나 비행기 모드를 켰다가 꺼서 현지 네트워크에 다시 "
            "연결해 주세요.\n\n"
            "그래도 연결되지 않으면 지금 계신 나라와 도시를 답장으로 알려 주세요. 바로 "
            "네트워크에서 카드 상태를 확인해 드릴게요.",
        ),
    ),
    StandardReply(
        key="renewal-applied",
        topic=TicketTopic.RENEWAL,
        title=each(
            "Renewal applied: restart the phone",
            "续费已生效：请重启手机",
            "續費已生效：請重新開機",
            "更新が反映されました：端末を再起動してください",
            "충전이 반영됐어요: 휴대폰을 다시 시작해 주세요",
        ),
        body=each(
            "Hello, thank you for waiting. Your renewal is now applied: open the card in "
            "My cards to see its new data and validity.\n\n"
            "If the data does not work straight away, please restart your phone (or switch "
            "aeroplane mode on and off) and check that data roaming is switched on for this "
            "SIM; the network then picks up the new plan.\n\n"
            "If you renewed before your current plan ran out, the new plan starts when the "
            "current one ends or runs out, so you lose no days and no data.\n\n"
            "If it still does not connect, just reply here and we will look into it at once.",
            "您好，感谢您的耐心等待。您的续费已经生效，在“我的卡”中打开这张卡即可查看新的"
            "流量和有效期。\n\n"
            "如果暂时还不能上网，请重启手机（或开关一次飞行模式），并确认这张 SIM 卡已开启"
            "数据漫游，网络随后就会识别新的套餐。\n\n"
            "如果您是在当前套餐用完之前续费的，新套餐会在当前套餐到期或流量用完时开始，"
            "天数和流量都不会浪费。\n\n"
            "如果仍然无法连接，请直接在这里回复，我们会立即为您处理。",
            "您好，感謝您耐心等候。您的續費已經生效，在「我的卡」中打開這張卡即可查看新的"
            "流量和有效期。\n\n"
            "如果暫時還不能上網，請重新開機（或開關一次飛航模式），並確認這張 SIM 卡已開啟"
            "數據漫遊，網路隨後就會識別新的方案。\n\n"
            "如果您是在目前方案用完之前續費的，新方案會在目前方案到期或流量用完時開始，"
            "天數和流量都不會浪費。\n\n"
            "如果仍然無法連線，請直接在這裡回覆，我們會立即為您處理。",
            "お待たせいたしました。ご購入いただいた更新がカードに反映されました。"
            "マイカードでカードを開くと、新しいデータ容量と有効期限をご確認いただけます。\n\n"
            "すぐに通信できない場合は、端末を再起動する（または機内モードをオンにしてから"
            "オフに戻す）とともに、この SIM のデータローミングがオンになっているかご確認"
            "ください。ネットワークが新しいプランを読み込みます。\n\n"
            "現在のプランが残っているうちに更新された場合、新しいプランは現在のプランが終了"
            "するか使い切った時点で始まりますので、日数もデータも無駄になりません。\n\n"
            "それでもつながらない場合は、こちらにご返信ください。すぐにお調べします。",
            "안녕하세요, 기다려 주셔서 감사해요. 충전이 카드에 반영됐어요. 내 카드에서 카드를 "
            "열면 새 데이터와 유효기간을 확인할 수 있어요.\n\n"
            "바로 데이터가 되지 않으면 휴대폰을 다시 시작하거나 비행기 모드를 켰다가 끄고, "
            "이 SIM의 데이터 로밍이 켜져 있는지 확인해 주세요. 그러면 네트워크가 "
            "새 요금제를 인식해요.\n\n"
            "지금 요금제가 끝나기 전에 충전하셨다면, 새 요금제는 지금 요금제가 끝나거나 "
            "데이터를 다 쓴 때부터 시작돼요. 그래서 남은 날짜나 데이터를 잃지 않아요.\n\n"
            "그래도 연결되지 않으면 여기에 답장해 주세요. 바로 확인해 드릴게요.",
        ),
    ),
    StandardReply(
        key="card-password",
        topic=TicketTopic.CARD,
        title=each(
            "Where to find the card password",
            "卡密码在哪里",
            "卡密碼在哪裡",
            "カードパスワードの場所",
            "카드 비밀번호 찾는 방법",
        ),
        body=each(
            "Hello, the card password is the 6 to 8 digit number under the scratch panel: on "
            "the back of the SIM card's holder, or on the eSIM voucher. Gently scratch the "
            "silver panel with a coin to see it.\n\n"
            "To add the card, go to My cards → Add a card and enter the card number (the "
            "ICCID printed on the card: 18 to 20 digits, starting with 89) and the card "
            "password.\n\n"
            "For safety, after 5 wrong card passwords the card number is locked for an hour. "
            "If the digits are hard to read, please send us a picture of the card and its "
            "panel here, and we will help you.",
            "您好，卡密码是刮开涂层下的 6 到 8 位数字，位于 SIM 卡卡板的背面或 eSIM 兑换券上。"
            "用硬币轻轻刮开银色涂层即可看到。\n\n"
            "绑定方法：进入“我的卡”→“绑定新卡”，输入卡号（卡上印的 ICCID，以 89 开头，"
            "共 18 至 20 位）和卡密码。\n\n"
            "为保障安全，卡密码输错 5 次后，该卡号将被锁定 1 小时。如果数字看不清楚，请在这里"
            "发一张卡片和涂层的图片，我们会协助您。",
            "您好，卡密碼是刮開塗層下的 6 到 8 位數字，位於 SIM 卡卡板的背面或 eSIM 兌換券上。"
            "用硬幣輕輕刮開銀色塗層即可看到。\n\n"
            "綁定方法：進入「我的卡」→「綁定新卡」，輸入卡號（卡上印的 ICCID，以 89 開頭，"
            "共 18 至 20 位）和卡密碼。\n\n"
            "為確保安全，卡密碼輸入錯誤 5 次後，該卡號將鎖定 1 小時。如果數字看不清楚，請在"
            "這裡傳一張卡片和塗層的圖片，我們會協助您。",
            "カードパスワードは、スクラッチ部分の下にある 6〜8 桁の数字です。SIM カードの台紙"
            "の裏面、または eSIM 引換券に記載されています。銀色の部分をコインなどで軽く削ると"
            "表示されます。\n\n"
            "カードの登録は、マイカード → カードを登録 から、カード番号（カードに印字されて"
            "いる ICCID：89 から始まる 18〜20 桁の数字）とカードパスワードを入力してください。"
            "\n\n"
            "安全のため、カードパスワードを 5 回間違えると、そのカード番号は 1 時間ロックされ"
            "ます。数字が読み取りにくい場合は、カードとスクラッチ部分の画像をこちらにお送り"
            "ください。確認してお手伝いします。",
            "안녕하세요, 카드 비밀번호는 스크래치 부분 아래에 있는 6~8자리 숫자예요. SIM 카드가 "
            "끼워져 있던 카드 뒷면이나 eSIM 바우처에 있어요. 은색 부분을 동전으로 살살 긁으면 "
            "보여요.\n\n"
            "카드를 등록하려면 내 카드 → 카드 등록에서 카드 번호(카드에 인쇄된 ICCID로, 89로 "
            "시작하는 18~20자리 숫자)와 카드 비밀번호를 입력해 주세요.\n\n"
            "안전을 위해 카드 비밀번호를 5번 잘못 입력하면 해당 카드 번호는 1시간 동안 잠겨요. "
            "숫자가 잘 안 보이면 카드와 스크래치 부분 사진을 여기로 보내 주세요. 확인하고 "
            "도와드릴게요.",
        ),
    ),
    StandardReply(
        key="binding-unlocked",
        topic=TicketTopic.CARD,
        title=each(
            "Binding unlocked: add the card again",
            "已解除绑定锁定：请重新绑定",
            "已解除綁定鎖定：請重新綁定",
            "ロックを解除しました：もう一度登録してください",
            "등록 잠금을 풀었어요: 다시 등록해 주세요",
        ),
        body=each(
            "Hello, we have lifted the lock on your card number, so you can add the card "
            "again now: My cards → Add a card, with the card number and the card password "
            "under the scratch panel.\n\n"
            "Please type the password carefully: after 5 wrong attempts the number is locked "
            "again for an hour. If it is still refused, reply here with a picture of the back "
            "of the card, and we will check it for you.",
            "您好，我们已为您解除该卡号的锁定，现在就可以重新绑定：进入“我的卡”→“绑定新卡”，"
            "输入卡号和刮开涂层后看到的卡密码。\n\n"
            "请仔细输入卡密码：输错 5 次后，该卡号会再次被锁定 1 小时。如果仍然无法绑定，"
            "请在这里回复并附上卡片背面的图片，我们会为您核实。",
            "您好，我們已為您解除該卡號的鎖定，現在就可以重新綁定：進入「我的卡」→「綁定新卡」，"
            "輸入卡號和刮開塗層後看到的卡密碼。\n\n"
            "請仔細輸入卡密碼：輸入錯誤 5 次後，該卡號會再次鎖定 1 小時。如果仍然無法綁定，"
            "請在這裡回覆並附上卡片背面的圖片，我們會為您核對。",
            "カード番号のロックを解除しました。マイカード → カードを登録 から、カード番号と"
            "スクラッチ部分の下のカードパスワードを入力して、もう一度ご登録ください。\n\n"
            "パスワードはお間違えのないようご入力ください。5 回間違えると、再び 1 時間ロック"
            "されます。それでも登録できない場合は、カード裏面の画像を添えてこちらにご返信"
            "ください。こちらで確認いたします。",
            "안녕하세요, 카드 번호의 잠금을 풀어 드렸어요. 이제 내 카드 → 카드 등록에서 카드 "
            "번호와 스크래치 부분 아래의 카드 비밀번호를 입력해 다시 등록할 수 있어요.\n\n"
            "비밀번호를 천천히 정확하게 입력해 주세요. 5번 잘못 입력하면 다시 1시간 동안 "
            "잠겨요. 그래도 등록되지 않으면 카드 뒷면 사진을 첨부해 여기에 답장해 주세요. "
            "저희가 확인해 드릴게요.",
        ),
    ),
    StandardReply(
        key="refund-sent",
        topic=TicketTopic.REFUND,
        title=each(
            "Refund sent: when it arrives",
            "退款已发起：到账时间",
            "退款已送出：入帳時間",
            "返金手続き完了：返金時期のご案内",
            "환불했어요: 들어오는 시기 안내",
        ),
        body=each(
            "Hello, we have refunded your payment to the payment method you used. As soon as "
            "the payment provider confirms it, you will receive a message with the amount and "
            "the date to expect it by, and the refund appears on the order's page.\n\n"
            "Card refunds usually reach your account within 5–10 business days; Alipay and "
            "WeChat Pay refunds within 1–3 business days.\n\n"
            "If only part of the price was refunded, the plan stays on your card and only the "
            "matching share of its data is taken back. We are sorry for the trouble.",
            "您好，我们已将款项原路退回您付款时使用的支付方式。支付机构确认后，您会收到一条"
            "消息，告知退款金额和预计到账日期，订单页面上也会显示这笔退款。\n\n"
            "银行卡退款通常在 5–10 个工作日内到账；支付宝和微信支付退款通常在 1–3 个工作日"
            "内到账。\n\n"
            "如果只退还了部分费用，套餐仍保留在您的卡上，只扣回相应比例的流量。给您带来不便，"
            "非常抱歉。",
            "您好，我們已將款項原路退回您付款時使用的付款方式。支付機構確認後，您會收到一則"
            "訊息，告知退款金額和預計入帳日期，訂單頁面上也會顯示這筆退款。\n\n"
            "信用卡退款通常在 5–10 個工作天內入帳；支付寶和微信支付退款通常在 1–3 個工作天"
            "內入帳。\n\n"
            "如果只退還部分費用，方案仍保留在您的卡上，只扣回相應比例的流量。造成您的不便，"
            "非常抱歉。",
            "お支払いいただいた方法への返金手続きを行いました。決済会社での処理が完了すると、"
            "返金額と返金予定日をお知らせするメッセージが届き、注文ページにも返金が表示され"
            "ます。\n\n"
            "カードへの返金は通常 5〜10 営業日、Alipay と WeChat Pay への返金は通常 1〜3 "
            "営業日で反映されます。\n\n"
            "一部のみの返金の場合、プランはカードに残り、返金額に応じた分のデータのみ差し引"
            "かれます。ご不便をおかけして申し訳ございません。",
            "안녕하세요, 결제하신 수단으로 환불해 드렸어요. 결제사에서 처리가 끝나면 환불 "
            "금액과 입금 예정일을 알려 드리는 메시지가 가고, 주문 페이지에도 환불 내역이 "
            "표시돼요.\n\n"
            "카드 환불은 보통 영업일 기준 5~10일, 알리페이와 위챗페이 환불은 보통 영업일 기준 "
            "1~3일 안에 들어와요.\n\n"
            "일부만 환불된 경우에는 요금제가 카드에 그대로 남고, 환불 금액만큼의 데이터만 "
            "차감돼요. 불편을 드려 죄송해요.",
        ),
    ),
    StandardReply(
        key="apn",
        topic=TicketTopic.DATA,
        title=each(
            "APN settings",
            "APN 设置",
            "APN 設定",
            "APN の設定",
            "APN 설정",
        ),
        body=each(
            "Hello, most phones set up the internet settings (APN) by themselves, but some "
            "need them entered by hand. Please check this SIM's APN:\n"
            "• iPhone: Settings → Mobile Data → Mobile Data Options → Mobile Data Network\n"
            "• Android: Settings → Network & internet → SIMs → Access Point Names, then + to "
            "add one\n\n"
            "APN: {apn}\n"
            "Leave the user name, password and the other fields empty, save, select it, then "
            "restart your phone.\n\n"
            "If it still does not connect, please send us a screenshot of the APN screen and "
            "we will check it with you.",
            "您好，大多数手机会自动配置上网设置（APN），但有些手机需要手动填写。请检查这张 "
            "SIM 卡的 APN：\n"
            "• iPhone：设置 → 蜂窝网络 → 蜂窝数据选项 → 蜂窝数据网络\n"
            "• 安卓：设置 → 网络和互联网 → SIM 卡 → 接入点名称（APN），点“+”新建\n\n"
            "APN：{apn}\n"
            "用户名、密码等其他项留空，保存后选中它，然后重启手机。\n\n"
            "如果仍然无法上网，请发一张 APN 设置页面的截图给我们，我们会和您一起检查。",
            "您好，大多數手機會自動設定上網設定（APN），但有些手機需要手動輸入。請檢查這張 "
            "SIM 卡的 APN：\n"
            "• iPhone：設定 → 行動服務 → 行動數據選項 → 行動數據網路\n"
            "• Android：設定 → 網路和網際網路 → SIM 卡 → 存取點名稱（APN），點「+」新增\n\n"
            "APN：{apn}\n"
            "使用者名稱、密碼等其他欄位留空，儲存後選取它，然後重新開機。\n\n"
            "如果仍然無法上網，請傳一張 APN 設定頁面的截圖給我們，我們會和您一起檢查。",
            "ほとんどの端末ではインターネット接続の設定（APN）が自動で行われますが、手動で"
            "の入力が必要な端末もあります。この SIM の APN をご確認ください。\n"
            "• iPhone：設定 → モバイル通信 → 通信のオプション → モバイルデータ通信ネットワーク"
            "\n"
            "• Android：設定 → ネットワークとインターネット → SIM → アクセスポイント名 → "
            "「+」で追加\n\n"
            "APN：{apn}\n"
            "ユーザー名・パスワードなどほかの項目は空欄のまま保存して選択し、端末を再起動して"
            "ください。\n\n"
            "それでもつながらない場合は、APN 設定画面のスクリーンショットをお送りください。"
            "一緒に確認いたします。",
            "안녕하세요, 대부분의 휴대폰은 인터넷 설정(APN)을 자동으로 잡지만, 직접 입력해야 "
            "하는 휴대폰도 있어요. 이 SIM의 APN을 확인해 주세요.\n"
            "• iPhone: 설정 → 셀룰러 → 셀룰러 데이터 옵션 → 셀룰러 데이터 네트워크\n"
            "• Android: 설정 → 연결 → 모바일 네트워크 → 액세스 포인트 이름 → '+'로 추가\n\n"
            "APN: {apn}\n"
            "사용자 이름, 비밀번호 등 다른 항목은 비워 둔 채 저장하고 선택한 다음 휴대폰을 "
            "다시 시작해 주세요.\n\n"
            "그래도 연결되지 않으면 APN 설정 화면의 스크린숏을 보내 주세요. 함께 확인해 "
            "드릴게요.",
        ),
    ),
    StandardReply(
        key="solved",
        topic="",
        title=each(
            "Glad it's solved (closing)",
            "很高兴问题已解决（结束对话）",
            "很高興問題已解決（結束對話）",
            "解決してよかったです（終了）",
            "해결돼서 다행이에요(종료)",
        ),
        body=each(
            "We are glad it works now! We are closing this conversation. If anything else "
            "comes up, just write here again: the conversation opens again and we will see it "
            "straight away. Have a good trip!",
            "很高兴现在一切正常！我们将结束这个对话。之后如果还有任何问题，直接在这里留言即可，"
            "对话会重新打开，我们会第一时间看到。祝您旅途愉快！",
            "很高興現在一切正常！我們將結束這個對話。之後如果還有任何問題，直接在這裡留言即可，"
            "對話會重新開啟，我們會第一時間看到。祝您旅途愉快！",
            "無事にご利用いただけるようになり、何よりです。こちらのお問い合わせはいったん終了"
            "いたします。ほかにお困りのことがあれば、こちらにまた書き込んでください。お問い"
            "合わせが再開され、すぐに確認いたします。どうぞよい旅を！",
            "잘 해결돼서 다행이에요! 이 문의는 여기서 종료할게요. 다른 문제가 생기면 여기에 "
            "다시 적어 주세요. 문의가 다시 열리고 저희가 바로 확인해요. 즐거운 여행 되세요!",
        ),
    ),
    StandardReply(
        key="screenshot",
        topic="",
        title=each(
            "Ask for a screenshot of the error",
            "请提供报错截图",
            "請提供錯誤訊息截圖",
            "エラー画面のスクリーンショットのお願い",
            "오류 화면 스크린숏 요청",
        ),
        body=each(
            "Hello, thank you for letting us know. So that we can see exactly what is going "
            "wrong, could you send us a screenshot of the error message? You can attach it to "
            "your answer on this page, under Pictures.\n\n"
            "It also helps to know the country and city you are in, and about when it "
            "happened. We will look into it as soon as we have it.",
            "您好，感谢您告诉我们。为了准确了解问题所在，能否请您发一张报错信息的截图？您可以"
            "在本页回复时，在“图片”处添加截图。\n\n"
            "方便的话，也请告诉我们您所在的国家和城市，以及问题大约发生的时间。收到后我们会"
            "尽快为您查看。",
            "您好，感謝您告訴我們。為了準確了解問題所在，能否請您傳一張錯誤訊息的截圖？您可以"
            "在本頁回覆時，在「圖片」處加入截圖。\n\n"
            "方便的話，也請告訴我們您所在的國家和城市，以及問題大約發生的時間。收到後我們會"
            "盡快為您查看。",
            "ご連絡ありがとうございます。状況を正確に把握するため、エラーメッセージの画面の"
            "スクリーンショットをお送りいただけますか。このページでご返信の際に「画像」から"
            "添付できます。\n\n"
            "あわせて、いらっしゃる国と都市、発生したおおよその時刻もお知らせいただけると"
            "助かります。届き次第、すぐにお調べします。",
            "안녕하세요, 알려 주셔서 감사해요. 무엇이 문제인지 정확히 보기 위해 오류 메시지 "
            "화면의 스크린숏을 보내 주시겠어요? 이 페이지에서 답장할 때 '사진'에 첨부할 수 "
            "있어요.\n\n"
            "지금 계신 나라와 도시, 대략 언제 그랬는지도 함께 알려 주시면 도움이 돼요. 받는 "
            "대로 바로 확인해 드릴게요.",
        ),
    ),
]
