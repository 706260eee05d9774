# ruff: noqa: E501 (prose: one paragraph per line, as staff write it in the back office)
"""The help articles every roamcard site starts with, in every language of the app.

`help_load_defaults` (the management command, and the demo) loads them: it adds the ones
missing and updates those nobody has edited, never an article staff changed. Facts here
follow the product: a 6-digit reset code valid 10 minutes, 5 wrong card passwords lock a
card number for an hour, renewals land within seconds, automatic renewal's defaults and
caps (docs/decisions/0010-automatic-renewal.md), the currencies and gateways, refunds to
the original method."""

from dataclasses import dataclass

from .choices import Topic


@dataclass(frozen=True)
class DefaultArticle:
    slug: str
    topic: str
    sort_order: int
    # {language: {"title": ..., "summary": ..., "body": ...}}
    texts: dict[str, dict[str, str]]


FORGOT_ACCOUNT_PASSWORD = DefaultArticle(
    slug="forgot-account-password",
    topic=Topic.ACCOUNT,
    sort_order=10,
    texts={
        "en": {
            "title": "I forgot my account password",
            "summary": "Reset it with a 6-digit code sent to your e-mail address or mobile number.",
            "body": """Your account password is the one you chose when you signed up. It is not the card password printed under the scratch panel of your SIM card (see [I forgot my card password](/help/forgot-card-password/)).

1. On the log-in page, tap **Forgot your password?**, or open [Reset your password](/accounts/password/reset/).
2. Enter the e-mail address or the mobile number of your account.
3. We send a 6-digit code by e-mail or SMS. Enter it, then choose a new password.

The code is valid for 10 minutes. If it does not arrive, check your spam folder, or ask for a new code after a minute. Abroad, an SMS can take a little longer: make sure your own phone number can receive messages while roaming, or reset with your e-mail address instead.

If you can no longer use the e-mail address or the mobile number of your account, [contact us](/help/contact/). We check that the account is yours before we change anything.""",
        },
        "zh-hans": {
            "title": "忘记了账户密码",
            "summary": "用发送到您邮箱或手机号的 6 位验证码重设密码。",
            "body": """账户密码是您注册时自己设置的密码，不是 SIM 卡刮开涂层下的卡密码（卡密码请看[忘记了卡密码](/help/forgot-card-password/)）。

1. 在登录页点击**忘记密码？**，或直接打开[重设密码](/accounts/password/reset/)。
2. 输入您账户的邮箱地址或手机号码。
3. 我们会通过邮件或短信发送 6 位验证码。输入验证码后，设置新密码。

验证码 10 分钟内有效。如果没有收到，请检查垃圾邮件箱，或等待一分钟后重新获取。在境外时短信可能稍有延迟：请确认您自己的手机号在漫游时能接收短信，或改用邮箱重设。

如果您已无法使用账户的邮箱或手机号，请[联系我们](/help/contact/)。我们会先核实账户确属于您，再做任何修改。""",
        },
        "zh-hant": {
            "title": "忘記了帳戶密碼",
            "summary": "用傳送到您電郵或手機號碼的 6 位數驗證碼重設密碼。",
            "body": """帳戶密碼是您註冊時自行設定的密碼，不是 SIM 卡刮開塗層下的卡密碼（卡密碼請看[忘記了卡密碼](/help/forgot-card-password/)）。

1. 在登入頁點選**忘記密碼？**，或直接開啟[重設密碼](/accounts/password/reset/)。
2. 輸入您帳戶的電郵地址或手機號碼。
3. 我們會以電郵或短訊傳送 6 位數驗證碼。輸入驗證碼後，設定新密碼。

驗證碼 10 分鐘內有效。如果沒有收到，請查看垃圾郵件匣，或等候一分鐘後重新索取。身在外地時短訊可能稍有延遲：請確認您自己的手機號碼在漫遊時能接收短訊，或改用電郵重設。

如果您已無法使用帳戶的電郵或手機號碼，請[聯絡我們](/help/contact/)。我們會先核實帳戶確屬於您，才作任何更改。""",
        },
        "ja": {
            "title": "アカウントのパスワードを忘れました",
            "summary": "メールアドレスか携帯電話番号に届く6桁のコードで再設定できます。",
            "body": """アカウントのパスワードは、登録時にご自身で決めたパスワードです。SIMカードのスクラッチ部分の下に印刷されたカードパスワードとは別のものです（[カードパスワードを忘れました](/help/forgot-card-password/)をご覧ください）。

1. ログイン画面で**パスワードをお忘れですか？**をタップするか、[パスワードの再設定](/accounts/password/reset/)を開きます。
2. アカウントのメールアドレスまたは携帯電話番号を入力します。
3. 6桁のコードをメールかSMSでお送りします。コードを入力し、新しいパスワードを決めてください。

コードの有効期限は10分です。届かない場合は迷惑メールフォルダを確認するか、1分ほど待ってからコードを再送してください。海外ではSMSの到着が遅れることがあります。ご自身の電話番号がローミング中にSMSを受信できるか確認するか、メールアドレスで再設定してください。

アカウントのメールアドレスも携帯電話番号も使えなくなった場合は、[お問い合わせ](/help/contact/)ください。ご本人のアカウントであることを確認してから変更いたします。""",
        },
        "ko": {
            "title": "계정 비밀번호를 잊어버렸어요",
            "summary": "이메일 주소나 휴대폰 번호로 받은 6자리 코드로 다시 설정할 수 있어요.",
            "body": """계정 비밀번호는 가입할 때 직접 정한 비밀번호예요. 유심 카드의 스크래치 아래에 인쇄된 카드 비밀번호와는 달라요([카드 비밀번호를 잊어버렸어요](/help/forgot-card-password/)를 보세요).

1. 로그인 화면에서 **비밀번호를 잊으셨나요?**를 누르거나 [비밀번호 재설정](/accounts/password/reset/)을 열어요.
2. 계정의 이메일 주소나 휴대폰 번호를 입력해요.
3. 이메일이나 문자로 6자리 코드를 보내 드려요. 코드를 입력한 뒤 새 비밀번호를 정하세요.

코드는 10분 동안 유효해요. 받지 못했다면 스팸함을 확인하거나 1분 뒤에 코드를 다시 요청하세요. 해외에서는 문자가 늦게 올 수 있어요. 로밍 중에도 내 휴대폰 번호로 문자를 받을 수 있는지 확인하거나, 이메일 주소로 다시 설정하세요.

계정의 이메일 주소와 휴대폰 번호를 모두 쓸 수 없다면 [고객센터에 문의](/help/contact/)하세요. 본인 계정인지 확인한 뒤에 변경해 드려요.""",
        },
    },
)

FORGOT_CARD_PASSWORD = DefaultArticle(
    slug="forgot-card-password",
    topic=Topic.CARDS,
    sort_order=10,
    texts={
        "en": {
            "title": "I forgot my card password, or my card is locked",
            "summary": "The card password is under the scratch panel. After 5 wrong tries a card number is locked for an hour.",
            "body": """To add a card to your account you need its number (the ICCID: 18 to 20 digits starting with 89) and its **card password**, the 6 to 8 digits under the scratch panel of the SIM card holder or on your eSIM voucher. It proves the card is in your hands.

**Where to find it**

- Physical SIM: scratch the silver panel on the card holder the SIM came in.
- eSIM: the voucher or the e-mail you received when you bought it.

**Locked after wrong tries.** For your safety, after 5 wrong card passwords the card number is locked for one hour. Wait an hour and try again with the right password: the lock lifts by itself.

**Lost the card holder or the voucher?** [Contact us](/help/contact/) with the card number and, if you can, your proof of purchase (a receipt or the order confirmation). Once we have checked that the card is yours, we can lift the lock and help you add it.

The card password is not your account password: for that one, see [I forgot my account password](/help/forgot-account-password/).""",
        },
        "zh-hans": {
            "title": "忘记了卡密码，或卡号被锁定",
            "summary": "卡密码在刮开涂层下面。连续输错 5 次，该卡号会被锁定一小时。",
            "body": """把卡添加到账户时，需要卡号（ICCID：以 89 开头的 18 至 20 位数字）和**卡密码**，即 SIM 卡卡托刮开涂层下或 eSIM 凭证上的 6 至 8 位数字。它用来证明卡在您手中。

**在哪里找到卡密码**

- 实体 SIM 卡：刮开 SIM 卡卡托上的银色涂层。
- eSIM：购买时收到的凭证或邮件。

**输错后被锁定。** 为保障安全，卡密码连续输错 5 次后，该卡号会被锁定一小时。一小时后用正确的密码再试即可，锁定会自动解除。

**卡托或凭证丢了？** 请带上卡号，并尽量附上购买凭证（收据或订单确认），[联系我们](/help/contact/)。核实卡属于您之后，我们可以为您解除锁定并协助添加。

卡密码不是账户密码：忘记账户密码请看[忘记了账户密码](/help/forgot-account-password/)。""",
        },
        "zh-hant": {
            "title": "忘記了卡密碼，或卡號被鎖定",
            "summary": "卡密碼在刮開塗層下面。連續輸錯 5 次，該卡號會被鎖定一小時。",
            "body": """把卡加入帳戶時，需要卡號（ICCID：以 89 開頭的 18 至 20 位數字）和**卡密碼**，即 SIM 卡卡托刮開塗層下或 eSIM 憑證上的 6 至 8 位數字。它用來證明卡在您手上。

**在哪裡找到卡密碼**

- 實體 SIM 卡：刮開 SIM 卡卡托上的銀色塗層。
- eSIM：購買時收到的憑證或電郵。

**輸錯後被鎖定。** 為保障安全，卡密碼連續輸錯 5 次後，該卡號會被鎖定一小時。一小時後以正確的密碼再試即可，鎖定會自動解除。

**卡托或憑證遺失了？** 請提供卡號，並盡量附上購買證明（收據或訂單確認），[聯絡我們](/help/contact/)。核實卡屬於您之後，我們可以為您解除鎖定並協助加入。

卡密碼不是帳戶密碼：忘記帳戶密碼請看[忘記了帳戶密碼](/help/forgot-account-password/)。""",
        },
        "ja": {
            "title": "カードパスワードを忘れた・カードがロックされた",
            "summary": "カードパスワードはスクラッチ部分の下にあります。5回間違えるとカード番号が1時間ロックされます。",
            "body": """カードをアカウントに追加するには、カード番号（ICCID：89で始まる18〜20桁の数字）と**カードパスワード**が必要です。カードパスワードはSIMカード台紙のスクラッチ部分の下、またはeSIMのバウチャーに記載された6〜8桁の数字で、カードがお手元にあることの確認に使います。

**カードパスワードの場所**

- SIMカード：SIMが付いていた台紙の銀色のスクラッチ部分を削ってください。
- eSIM：ご購入時に受け取ったバウチャーまたはメールに記載されています。

**間違えるとロックされます。** 安全のため、カードパスワードを5回間違えると、そのカード番号は1時間ロックされます。1時間後に正しいパスワードでもう一度お試しください。ロックは自動で解除されます。

**台紙やバウチャーをなくした場合** は、カード番号と、できれば購入を証明するもの（レシートや注文確認）を添えて[お問い合わせ](/help/contact/)ください。お客様のカードであることを確認したうえで、ロックを解除し、追加のお手伝いをいたします。

カードパスワードはアカウントのパスワードとは別です。アカウントのパスワードについては[アカウントのパスワードを忘れました](/help/forgot-account-password/)をご覧ください。""",
        },
        "ko": {
            "title": "카드 비밀번호를 잊었거나 카드가 잠겼어요",
            "summary": "카드 비밀번호는 스크래치 아래에 있어요. 5번 틀리면 카드 번호가 1시간 동안 잠겨요.",
            "body": """카드를 계정에 추가하려면 카드 번호(ICCID: 89로 시작하는 18~20자리 숫자)와 **카드 비밀번호**가 필요해요. 카드 비밀번호는 유심 카드 케이스의 스크래치 아래나 eSIM 바우처에 있는 6~8자리 숫자로, 카드를 실제로 가지고 있다는 것을 확인하는 데 써요.

**카드 비밀번호 찾기**

- 실물 유심: 유심이 붙어 있던 카드 케이스의 은색 스크래치를 긁어 보세요.
- eSIM: 구매할 때 받은 바우처나 이메일에 있어요.

**잘못 입력하면 잠겨요.** 안전을 위해 카드 비밀번호를 5번 틀리면 그 카드 번호는 1시간 동안 잠겨요. 1시간 뒤에 올바른 비밀번호로 다시 시도하세요. 잠금은 저절로 풀려요.

**카드 케이스나 바우처를 잃어버렸다면** 카드 번호와 가능하면 구매 증빙(영수증이나 주문 확인)을 준비해서 [고객센터에 문의](/help/contact/)하세요. 본인 카드인지 확인한 뒤 잠금을 풀고 추가를 도와드려요.

카드 비밀번호는 계정 비밀번호와 달라요. 계정 비밀번호는 [계정 비밀번호를 잊어버렸어요](/help/forgot-account-password/)를 보세요.""",
        },
    },
)

RENEWAL_HOW_SOON = DefaultArticle(
    slug="renewal-how-soon",
    topic=Topic.RENEWALS,
    sort_order=10,
    texts={
        "en": {
            "title": "How soon does a renewal apply?",
            "summary": "Usually within seconds of paying. Not applied after 30 minutes? Contact us.",
            "body": """Once your payment is confirmed, the new plan is added to your card **within seconds**. The result page updates by itself and shows your new balance and validity, and we send you a confirmation by e-mail or SMS.

**When it starts**

- If your card still has a plan of the same coverage, the new one is usually queued: it starts when the current one ends or runs out, so you lose nothing.
- A day pass starts the first time you use data in its coverage.
- Otherwise you can use it right away.

The order page and the card page say which applies to your renewal.

**If it takes longer**

- A scan-to-pay payment (Alipay, WeChat Pay) is confirmed when you confirm it in the app; the page waits for it.
- If the network cannot accept the new plan, we refund you automatically, and the result page says so.

**More than 30 minutes and still not applied?** [Contact us](/help/contact/) with the order number shown on the order page. You have not been charged twice, and we will sort it out.""",
        },
        "zh-hans": {
            "title": "续费后多久生效？",
            "summary": "通常付款后几秒内生效。超过 30 分钟仍未生效，请联系我们。",
            "body": """付款确认后，新套餐会在**几秒内**加到您的卡上。结果页会自动更新，显示新的余量和有效期，我们也会通过邮件或短信发送确认。

**什么时候开始计算**

- 如果卡上还有同一覆盖范围的套餐，新套餐通常会排队：在当前套餐到期或用完后才开始，不会浪费。
- 日套餐在您首次于覆盖范围内使用数据时开始。
- 其他情况可以立即使用。

订单页和卡片页会注明您这次续费属于哪一种。

**如果时间较长**

- 扫码支付（支付宝、微信支付）要在对应 App 里确认后才算付款成功，页面会等待确认。
- 如果网络无法接受新套餐，我们会自动退款，结果页也会说明。

**超过 30 分钟仍未生效？** 请带上订单页上的订单号[联系我们](/help/contact/)。您不会被重复扣款，我们会为您处理。""",
        },
        "zh-hant": {
            "title": "續費後多久生效？",
            "summary": "通常付款後幾秒內生效。超過 30 分鐘仍未生效，請聯絡我們。",
            "body": """付款確認後，新方案會在**幾秒內**加到您的卡上。結果頁會自動更新，顯示新的餘量和有效期，我們亦會以電郵或短訊傳送確認。

**何時開始計算**

- 如果卡上仍有同一覆蓋範圍的方案，新方案通常會排隊：在目前方案到期或用完後才開始，不會浪費。
- 日租方案在您首次於覆蓋範圍內使用數據時開始。
- 其他情況可以立即使用。

訂單頁和卡片頁會註明您這次續費屬於哪一種。

**如果需時較長**

- 掃碼付款（支付寶、微信支付）要在相關 App 內確認後才算付款成功，頁面會等候確認。
- 如果網絡無法接受新方案，我們會自動退款，結果頁亦會說明。

**超過 30 分鐘仍未生效？** 請提供訂單頁上的訂單編號，[聯絡我們](/help/contact/)。您不會被重複收費，我們會為您處理。""",
        },
        "ja": {
            "title": "更新はどのくらいで反映されますか？",
            "summary": "通常はお支払いから数秒で反映されます。30分たっても反映されない場合はお問い合わせください。",
            "body": """お支払いが確認されると、新しいプランは**数秒以内**にカードに追加されます。結果画面は自動で更新されて新しい残量と有効期限が表示され、確認のメールまたはSMSもお送りします。

**いつから使えるか**

- 同じエリアのプランがカードに残っている場合、新しいプランは通常その後ろに予約され、今のプランが終わるか使い切った時点で始まります。無駄になることはありません。
- 1日プランは、そのエリアで初めてデータを使った時点で始まります。
- それ以外はすぐにお使いいただけます。

どれに当たるかは注文画面とカードの画面に表示されます。

**時間がかかる場合**

- スキャン決済（Alipay、WeChat Pay）は、アプリで確認した時点でお支払い完了となります。画面はその確認を待ちます。
- ネットワークが新しいプランを受け付けられなかった場合は自動で返金し、結果画面でお知らせします。

**30分たっても反映されない場合** は、注文画面に表示される注文番号を添えて[お問い合わせ](/help/contact/)ください。二重に請求されることはありません。すぐに対応いたします。""",
        },
        "ko": {
            "title": "충전하면 언제 적용되나요?",
            "summary": "보통 결제 후 몇 초 안에 적용돼요. 30분이 지나도 적용되지 않으면 문의하세요.",
            "body": """결제가 확인되면 새 요금제가 **몇 초 안에** 카드에 추가돼요. 결과 화면이 저절로 새로고침되어 새 잔여 데이터와 유효 기간을 보여 주고, 이메일이나 문자로 확인 메시지도 보내 드려요.

**언제부터 시작되나요**

- 같은 지역의 요금제가 카드에 남아 있으면, 새 요금제는 보통 그 뒤에 예약되어 지금 요금제가 끝나거나 다 쓰였을 때 시작돼요. 손해 보는 것은 없어요.
- 일일권는 그 지역에서 처음 데이터를 쓸 때 시작돼요.
- 그 밖에는 바로 쓸 수 있어요.

어느 경우인지는 주문 화면과 카드 화면에 나와 있어요.

**시간이 더 걸리는 경우**

- 스캔 결제(알리페이, 위챗페이)는 앱에서 확인해야 결제가 끝나요. 화면이 그 확인을 기다려요.
- 네트워크가 새 요금제를 받아들이지 못하면 자동으로 환불하고 결과 화면에서 알려 드려요.

**30분이 지나도 적용되지 않았나요?** 주문 화면의 주문 번호를 준비해서 [고객센터에 문의](/help/contact/)하세요. 두 번 결제되지 않으니 안심하세요. 바로 해결해 드릴게요.""",
        },
    },
)

CURRENCIES_AND_METHODS = DefaultArticle(
    slug="currencies-and-payment-methods",
    topic=Topic.RENEWALS,
    sort_order=20,
    texts={
        "en": {
            "title": "Which currencies and ways to pay can I use?",
            "summary": "Pay by card, Alipay or WeChat Pay, in your own currency where the plan is sold in it, including RMB (CNY).",
            "body": """**Ways to pay**

- **Bank card** (Visa, Mastercard and other cards the payment page accepts). A card can be saved for automatic renewal.
- **Alipay**: scan the code with the Alipay app, or confirm in the app on your phone. Alipay can also be saved for automatic renewal.
- **WeChat Pay**: scan the code with WeChat and confirm. WeChat Pay is charged in RMB (CNY) and cannot be saved for automatic renewal.

The payment page shows the ways to pay available for your order.

**Currencies**

Plans are priced in CNY (RMB), HKD, USD, EUR, JPY, KRW, TWD, SGD and GBP. Prices are set per currency, not converted on the fly: what you see is what you pay. Choose your currency on the plans page (your account keeps your preferred one).

If a plan is not sold in your currency, the page says so before you pay, for example “Not sold in KRW — you will pay $19.90”, and your bank or wallet converts it.

Any refund goes back to the same way you paid, in the currency you paid (see [Refunds](/help/refunds/)).""",
        },
        "zh-hans": {
            "title": "可以用哪些货币和支付方式？",
            "summary": "可用银行卡、支付宝或微信支付付款；套餐有您的币种定价时按您的币种付款，包括人民币。",
            "body": """**支付方式**

- **银行卡**（Visa、Mastercard 以及支付页面支持的其他卡）。银行卡可以保存用于自动续费。
- **支付宝**：用支付宝 App 扫码，或在手机上的 App 里确认。支付宝也可以保存用于自动续费。
- **微信支付**：用微信扫码并确认。微信支付以人民币（CNY）收款，不能保存用于自动续费。

支付页面会显示您这笔订单可用的支付方式。

**货币**

套餐以人民币（CNY）、港币、美元、欧元、日元、韩元、新台币、新加坡元和英镑定价。每种货币的价格是单独设定的，不是实时换算：看到多少就付多少。您可以在套餐页选择货币（账户会记住您偏好的货币）。

如果某个套餐没有您所选货币的价格，付款前页面会说明，例如“不以 KRW 出售——您将支付 US$19.90”，由您的银行或钱包换算。

退款会退回您原来的支付方式，币种与付款时相同（见[退款](/help/refunds/)）。""",
        },
        "zh-hant": {
            "title": "可以用哪些貨幣和付款方式？",
            "summary": "可用銀行卡、支付寶或微信支付付款；方案設有您的貨幣價格時以該貨幣付款，包括人民幣。",
            "body": """**付款方式**

- **銀行卡**（Visa、Mastercard 及付款頁面接受的其他卡）。銀行卡可以儲存作自動續費之用。
- **支付寶**：以支付寶 App 掃碼，或在手機上的 App 內確認。支付寶亦可以儲存作自動續費之用。
- **微信支付**：以微信掃碼並確認。微信支付以人民幣（CNY）收款，不能儲存作自動續費之用。

付款頁面會顯示這張訂單可用的付款方式。

**貨幣**

方案以人民幣（CNY）、港幣、美元、歐元、日圓、韓圓、新台幣、新加坡元和英鎊定價。每種貨幣的價格是獨立設定的，並非即時換算：看到多少就付多少。您可以在方案頁選擇貨幣（帳戶會記住您偏好的貨幣）。

如果某個方案沒有您所選貨幣的價格，付款前頁面會說明，例如「不以 KRW 出售——您將支付 US$19.90」，由您的銀行或錢包換算。

退款會退回您原本的付款方式，貨幣與付款時相同（見[退款](/help/refunds/)）。""",
        },
        "ja": {
            "title": "使える通貨と支払い方法は？",
            "summary": "カード、Alipay、WeChat Payでお支払いいただけます。プランにお客様の通貨の価格があればその通貨で、人民元（CNY）にも対応しています。",
            "body": """**お支払い方法**

- **クレジットカード・デビットカード**（Visa、Mastercardなど、お支払い画面で使えるカード）。自動更新用に保存できます。
- **Alipay**：Alipayアプリでコードを読み取るか、スマートフォンのアプリで確認します。Alipayも自動更新用に保存できます。
- **WeChat Pay**：WeChatでコードを読み取って確認します。WeChat Payは人民元（CNY）での決済となり、自動更新用には保存できません。

ご注文で使えるお支払い方法はお支払い画面に表示されます。

**通貨**

プランの価格は人民元（CNY）、香港ドル、米ドル、ユーロ、日本円、韓国ウォン、台湾ドル、シンガポールドル、英ポンドで設定されています。価格は通貨ごとに決めたもので、その場で換算するものではありません。表示された金額がそのままお支払い額です。通貨はプランの画面で選べます（アカウントにお好みの通貨が保存されます）。

プランにお客様の通貨の価格がない場合は、お支払いの前に「KRWでは販売していません。US$19.90のお支払いになります」のように表示され、カード会社やウォレットが換算します。

返金はお支払いと同じ方法・同じ通貨で行います（[返金について](/help/refunds/)をご覧ください）。""",
        },
        "ko": {
            "title": "어떤 통화와 결제 수단을 쓸 수 있나요?",
            "summary": "카드, 알리페이, 위챗페이로 결제할 수 있어요. 요금제에 내 통화 가격이 있으면 그 통화로, 위안화(CNY)도 돼요.",
            "body": """**결제 수단**

- **카드**(비자, 마스터카드 등 결제 화면에서 받는 카드). 자동 충전용으로 저장할 수 있어요.
- **알리페이**: 알리페이 앱으로 코드를 스캔하거나 휴대폰의 앱에서 확인해요. 알리페이도 자동 충전용으로 저장할 수 있어요.
- **위챗페이**: 위챗으로 코드를 스캔하고 확인해요. 위챗페이는 위안화(CNY)로 결제되고 자동 충전용으로는 저장할 수 없어요.

주문에 쓸 수 있는 결제 수단은 결제 화면에 나와요.

**통화**

요금제 가격은 위안화(CNY), 홍콩 달러, 미국 달러, 유로, 엔화, 원화, 대만 달러, 싱가포르 달러, 영국 파운드로 정해져 있어요. 통화마다 따로 정한 가격이라 그때그때 환산하지 않아요. 보이는 금액 그대로 결제돼요. 통화는 요금제 화면에서 고를 수 있고, 계정에 선호 통화가 저장돼요.

요금제에 내 통화 가격이 없으면 결제 전에 “KRW로는 판매하지 않아요 — US$19.90을 결제하게 돼요”처럼 알려 드리고, 카드사나 지갑 앱이 환산해요.

환불은 결제한 수단으로, 결제한 통화로 돌려드려요([환불](/help/refunds/)을 보세요).""",
        },
    },
)

ROAMING_AND_APN = DefaultArticle(
    slug="roaming-and-apn",
    topic=Topic.DATA_ABROAD,
    sort_order=10,
    texts={
        "en": {
            "title": "Do I need to turn data roaming on?",
            "summary": "Yes: a travel SIM or eSIM connects to local networks as a roaming card, so data roaming must be on for it.",
            "body": """**Yes.** Your roamcard SIM or eSIM uses partner networks in the countries of its coverage, and your phone sees that as roaming. With data roaming off, the phone will show signal but no data will flow.

Roaming on this card costs nothing extra: you only use the data of your plan.

**How to check**

- iPhone: Settings › Mobile Data (or Cellular) › choose the roamcard line › turn on **Data Roaming**. Also choose it as the line for **Mobile Data**.
- Android: Settings › Network & internet › SIMs › choose the roamcard SIM › turn on **Roaming**, and set it as the SIM for mobile data.

If you keep your home SIM in the phone, turn data roaming **off for your home line**, so that your home operator does not charge you for data abroad.

**APN (access point name).** The APN tells your phone how to reach the data network. The card sets it by itself on almost every phone. If you have signal and roaming is on but no data, open the mobile network settings, look at **Access Point Names** (APN) and choose the one of the roamcard card, or add it as printed on your card holder or eSIM voucher. Then restart the phone.

Still no data? Check that your plan is valid for the country you are in (see your card's page) and [contact us](/help/contact/).""",
        },
        "zh-hans": {
            "title": "需要打开数据漫游吗？",
            "summary": "需要：旅行 SIM 卡或 eSIM 是以漫游方式连接当地网络的，所以必须为它打开数据漫游。",
            "body": """**需要。** 您的 roamcard SIM 卡或 eSIM 在覆盖范围内的国家使用合作运营商的网络，手机会把它视为漫游。关闭数据漫游时，手机会有信号，但无法上网。

这张卡的漫游不另收费：只会消耗您套餐内的流量。

**如何检查**

- iPhone：设置 › 蜂窝网络 › 选择 roamcard 号码 › 打开**数据漫游**，并把它设为**蜂窝数据**使用的号码。
- Android：设置 › 网络和互联网 › SIM 卡 › 选择 roamcard 卡 › 打开**漫游**，并把它设为移动数据使用的 SIM 卡。

如果手机里还插着您国内的 SIM 卡，请为**国内号码关闭**数据漫游，以免国内运营商收取境外流量费。

**APN（接入点名称）。** APN 告诉手机如何连接数据网络。几乎所有手机上，卡会自动设置好。如果有信号、也打开了漫游却无法上网，请打开移动网络设置，查看**接入点名称（APN）**，选择 roamcard 卡的 APN，或按卡托或 eSIM 凭证上印的内容添加，然后重启手机。

仍然无法上网？请在卡片页确认套餐覆盖您所在的国家并仍在有效期内，然后[联系我们](/help/contact/)。""",
        },
        "zh-hant": {
            "title": "需要開啟數據漫遊嗎？",
            "summary": "需要：旅遊 SIM 卡或 eSIM 是以漫遊方式連接當地網絡的，所以必須為它開啟數據漫遊。",
            "body": """**需要。** 您的 roamcard SIM 卡或 eSIM 在覆蓋範圍內的國家使用合作營運商的網絡，手機會將它視為漫遊。關閉數據漫遊時，手機會有訊號，但無法上網。

這張卡的漫遊不另收費：只會用到您方案內的數據。

**如何檢查**

- iPhone：設定 › 流動網絡 › 選擇 roamcard 號碼 › 開啟**數據漫遊**，並將它設為**流動數據**使用的號碼。
- Android：設定 › 網絡和互聯網 › SIM 卡 › 選擇 roamcard 卡 › 開啟**漫遊**，並將它設為流動數據使用的 SIM 卡。

如果手機內仍插着您本地的 SIM 卡，請為**本地號碼關閉**數據漫遊，以免本地營運商收取外地數據費用。

**APN（存取點名稱）。** APN 告訴手機如何連接數據網絡。幾乎所有手機上，卡會自動設定好。如果有訊號、亦已開啟漫遊卻無法上網，請開啟流動網絡設定，查看**存取點名稱（APN）**，選擇 roamcard 卡的 APN，或按卡托或 eSIM 憑證上印的內容新增，然後重新啟動手機。

仍然無法上網？請在卡片頁確認方案覆蓋您身處的國家並仍在有效期內，然後[聯絡我們](/help/contact/)。""",
        },
        "ja": {
            "title": "データローミングをオンにする必要はありますか？",
            "summary": "はい。トラベルSIMやeSIMはローミングとして現地のネットワークにつながるため、データローミングをオンにする必要があります。",
            "body": """**はい、必要です。** roamcardのSIMやeSIMは、エリア内の国で提携先のネットワークを使うため、スマートフォンからはローミングとして扱われます。データローミングがオフだと、電波は入ってもデータ通信ができません。

このカードのローミングに追加料金はかかりません。プランのデータ量を使うだけです。

**確認方法**

- iPhone：設定 › モバイル通信 › roamcardの回線を選ぶ › **データローミング**をオン。あわせて**モバイルデータ通信**の回線にも選びます。
- Android：設定 › ネットワークとインターネット › SIM › roamcardのSIMを選ぶ › **ローミング**をオンにし、モバイルデータ用のSIMに設定します。

日本のSIMも入れたままにする場合は、**日本の回線のデータローミングはオフ**にしてください。海外でのデータ通信料を日本の通信会社から請求されるのを防げます。

**APN（アクセスポイント名）** は、スマートフォンがデータ通信網につながるための設定です。ほとんどの機種ではカードが自動で設定します。電波があり、ローミングもオンなのに通信できない場合は、モバイルネットワーク設定の**アクセスポイント名（APN）**を開き、roamcardのAPNを選ぶか、台紙やeSIMのバウチャーに記載の内容で追加してから、スマートフォンを再起動してください。

それでもつながらない場合は、カードの画面で今いる国がプランのエリアに含まれ、有効期限内であることを確認のうえ、[お問い合わせ](/help/contact/)ください。""",
        },
        "ko": {
            "title": "데이터 로밍을 켜야 하나요?",
            "summary": "네, 여행용 유심이나 eSIM은 로밍으로 현지 네트워크에 연결되니 데이터 로밍을 켜야 해요.",
            "body": """**네, 켜야 해요.** roamcard 유심이나 eSIM은 지역 안의 나라에서 제휴 통신사 네트워크를 쓰기 때문에 휴대폰은 이것을 로밍으로 인식해요. 데이터 로밍이 꺼져 있으면 신호는 잡혀도 데이터가 되지 않아요.

이 카드의 로밍에는 추가 요금이 없어요. 요금제의 데이터만 써요.

**확인하는 방법**

- 아이폰: 설정 › 셀룰러 › roamcard 회선 선택 › **데이터 로밍** 켜기. **셀룰러 데이터** 회선으로도 선택하세요.
- 안드로이드: 설정 › 연결(네트워크 및 인터넷) › SIM 관리 › roamcard 유심 선택 › **로밍** 켜기, 모바일 데이터용 유심으로 설정하기.

한국 유심을 같이 꽂아 둔다면 **한국 회선의 데이터 로밍은 꺼 두세요.** 한국 통신사의 해외 데이터 요금이 나오지 않아요.

**APN(액세스 포인트 이름)** 은 휴대폰이 데이터망에 연결하는 설정이에요. 거의 모든 휴대폰에서 카드가 알아서 설정해요. 신호도 있고 로밍도 켰는데 데이터가 안 되면, 모바일 네트워크 설정에서 **액세스 포인트 이름(APN)** 을 열어 roamcard APN을 고르거나 카드 케이스나 eSIM 바우처에 적힌 대로 추가한 뒤 휴대폰을 다시 켜 보세요.

그래도 안 되면 카드 화면에서 지금 있는 나라가 요금제 지역에 포함되고 유효 기간이 남아 있는지 확인한 뒤 [고객센터에 문의](/help/contact/)하세요.""",
        },
    },
)

AUTOMATIC_RENEWAL = DefaultArticle(
    slug="automatic-renewal",
    topic=Topic.RENEWALS,
    sort_order=30,
    texts={
        "en": {
            "title": "How does automatic renewal work?",
            "summary": "Your card renews itself before the data or the days run out, with a saved card or Alipay, within the caps you set. You can skip any renewal.",
            "body": """Automatic renewal buys a plan for your card by itself, so it does not run out while you are abroad. It is off until you switch it on, on the card's page › **Automatic renewal**.

**What you choose**

- **The plan** (at first the one you last bought for the card) and the currency.
- **The saved way to pay**: a bank card or Alipay saved in your account. WeChat Pay cannot be saved.
- **When**: when the data left falls to a share or an amount (10 % at first), and/or when the validity ends within some hours (24 hours at first).
- **Start**: queued after the current plan (nothing is lost), or at once.
- **Caps**: at most 3 automatic renewals in 30 days at first, and if you like a monthly spending limit.

**Before we charge.** We tell you first (at first 60 minutes before) by e-mail, in the app and, if it is urgent, by SMS, with the plan, the price and a **skip link**. Open the link and tap the button to skip this renewal, without logging in.

**If the payment fails** we try again after 1, 6 and 24 hours and tell you each time; after that, automatic renewal switches off and we tell you. A cap reached stops renewals until the period ends; we tell you once.

A card is never charged twice for the same moment, and automatic renewal never charges a suspended or expired card. You can switch it off at any time on the same page.""",
        },
        "zh-hans": {
            "title": "自动续费是怎样运作的？",
            "summary": "在流量或天数用完前，用已保存的银行卡或支付宝，按您设定的上限自动续费。每次续费都可以跳过。",
            "body": """自动续费会自动为您的卡购买套餐，让您在境外不会断网。它默认关闭，需要在卡片页 › **自动续费**中开启。

**您可以设定**

- **套餐**（默认是您上次为这张卡购买的套餐）和货币。
- **已保存的支付方式**：账户里保存的银行卡或支付宝。微信支付无法保存。
- **何时续费**：剩余流量降到某个比例或数量时（默认 10%），以及／或者有效期在若干小时内结束时（默认 24 小时）。
- **开始方式**：排在当前套餐之后（不浪费），或立即开始。
- **上限**：默认 30 天内最多自动续费 3 次，也可以设置每月消费上限。

**扣款之前。** 我们会先通知您（默认提前 60 分钟），通过邮件、App 内消息，紧急时也会发短信，写明套餐、价格和**跳过链接**。打开链接并点击按钮即可跳过这次续费，无需登录。

**如果扣款失败**，我们会在 1、6、24 小时后重试，每次都会通知您；之后自动续费会关闭，并通知您。达到上限时，在该周期结束前不会再续费，我们只通知一次。

同一时刻绝不会重复扣款，也不会为已停用或已过期的卡扣款。您随时可以在同一页面关闭自动续费。""",
        },
        "zh-hant": {
            "title": "自動續費如何運作？",
            "summary": "在數據或日數用完前，以已儲存的銀行卡或支付寶，按您設定的上限自動續費。每次續費都可以略過。",
            "body": """自動續費會自動為您的卡購買方案，讓您在外地不會斷線。它預設為關閉，需要在卡片頁 › **自動續費**中開啟。

**您可以設定**

- **方案**（預設為您上次為這張卡購買的方案）和貨幣。
- **已儲存的付款方式**：帳戶內儲存的銀行卡或支付寶。微信支付無法儲存。
- **何時續費**：剩餘數據降至某個比例或數量時（預設 10%），及／或有效期在若干小時內結束時（預設 24 小時）。
- **開始方式**：排在目前方案之後（不浪費），或立即開始。
- **上限**：預設 30 日內最多自動續費 3 次，亦可設定每月消費上限。

**收費之前。** 我們會先通知您（預設提前 60 分鐘），透過電郵、App 內訊息，緊急時亦會發短訊，列明方案、價格和**略過連結**。開啟連結並點選按鈕即可略過這次續費，毋須登入。

**如果收費失敗**，我們會在 1、6、24 小時後重試，每次都會通知您；之後自動續費會關閉，並通知您。達到上限時，在該期間結束前不會再續費，我們只通知一次。

同一時間絕不會重複收費，亦不會為已暫停或已過期的卡收費。您隨時可以在同一頁面關閉自動續費。""",
        },
        "ja": {
            "title": "自動更新のしくみ",
            "summary": "データや日数がなくなる前に、保存したカードかAlipayで、設定した上限の範囲で自動的に更新します。毎回スキップもできます。",
            "body": """自動更新は、海外でデータが切れないよう、カードのプランを自動で購入する機能です。初期状態はオフで、カードの画面 › **自動更新**でオンにできます。

**設定できること**

- **プラン**（最初はそのカードで前回購入したプラン）と通貨。
- **保存したお支払い方法**：アカウントに保存したカードかAlipay。WeChat Payは保存できません。
- **タイミング**：データ残量が一定の割合や量を下回ったとき（最初は10%）、または有効期限の終了が指定の時間以内に迫ったとき（最初は24時間）。
- **開始**：今のプランの後に予約（無駄になりません）、またはすぐに開始。
- **上限**：最初は30日間に3回まで。月ごとの利用上限額も設定できます。

**請求の前に** お知らせします（最初は60分前）。メールとアプリ内のお知らせ、急ぎの場合はSMSで、プラン・金額と**スキップ用リンク**をお送りします。リンクを開いてボタンを押せば、ログインせずに今回の更新をスキップできます。

**お支払いに失敗した場合** は1時間後、6時間後、24時間後に再試行し、そのたびにお知らせします。それでも失敗すると自動更新はオフになり、その旨をお知らせします。上限に達した場合は期間が終わるまで更新せず、一度だけお知らせします。

同じタイミングで二重に請求することはなく、停止中や期限切れのカードに請求することもありません。同じ画面でいつでもオフにできます。""",
        },
        "ko": {
            "title": "자동 충전은 어떻게 작동하나요?",
            "summary": "데이터나 기간이 끝나기 전에 저장한 카드나 알리페이로, 정한 한도 안에서 자동으로 충전해요. 충전할 때마다 건너뛸 수 있어요.",
            "body": """자동 충전은 해외에서 데이터가 끊기지 않도록 카드의 요금제를 알아서 구매해요. 처음에는 꺼져 있고, 카드 화면 › **자동 충전**에서 켤 수 있어요.

**정할 수 있는 것**

- **요금제**(처음에는 그 카드로 마지막에 산 요금제)와 통화.
- **저장한 결제 수단**: 계정에 저장한 카드나 알리페이. 위챗페이는 저장할 수 없어요.
- **언제**: 남은 데이터가 일정 비율이나 양 이하로 줄었을 때(처음에는 10%), 또는 유효 기간이 몇 시간 안에 끝날 때(처음에는 24시간).
- **시작**: 지금 요금제 뒤에 예약(손해 없음) 또는 바로 시작.
- **한도**: 처음에는 30일에 3번까지, 원하면 월 결제 한도도 정할 수 있어요.

**결제하기 전에** 미리 알려 드려요(처음에는 60분 전). 이메일과 앱 알림으로, 급하면 문자로도 요금제, 금액, **건너뛰기 링크**를 보내 드려요. 링크를 열고 버튼을 누르면 로그인하지 않아도 이번 충전을 건너뛸 수 있어요.

**결제가 실패하면** 1시간, 6시간, 24시간 뒤에 다시 시도하고 그때마다 알려 드려요. 그래도 실패하면 자동 충전이 꺼지고 알려 드려요. 한도에 닿으면 기간이 끝날 때까지 충전하지 않고 한 번만 알려 드려요.

같은 때에 두 번 결제하는 일은 없고, 정지되었거나 만료된 카드에는 결제하지 않아요. 같은 화면에서 언제든 끌 수 있어요.""",
        },
    },
)

DATA_RUNNING_OUT = DefaultArticle(
    slug="data-running-out-abroad",
    topic=Topic.DATA_ABROAD,
    sort_order=20,
    texts={
        "en": {
            "title": "My data is running out abroad and there is no Wi-Fi",
            "summary": "Renew from the link in our alert while a little data is left; with none left, renew from any other connection or device.",
            "body": """We warn you as your data goes down: at 50 %, 20 % and 10 % left in the app and by e-mail, and by SMS when it has run out or the plan ends within a day. Each alert has a **renew link** that opens your card's plans.

**While a little data is left**

Renewing takes very little data: tap the link in the alert (or open the app › your card › **Renew**), choose a plan and pay. The new plan is added within seconds, so you can keep going without Wi-Fi. Pause video, photo backups and app updates until it is done.

**When it has run out**

- Your card has no data left, so it cannot open the site itself. Use any other connection: hotel, airport, café or train Wi-Fi, or a travel companion's phone as a hotspot.
- Or renew from another device: log in to your account on any phone or computer (a friend's, or one at home) and renew the card from there. It is added to your card wherever you are.
- The SMS we send when your data runs out reaches your phone even without data, and its link works on any device.

**Next time**, switch on [automatic renewal](/help/automatic-renewal/): your card renews itself before it runs out, and you can skip a renewal if you don't need it.

Renewed, but still no data? Check that [data roaming is on](/help/roaming-and-apn/), restart the phone, and if it does not come back, [contact us](/help/contact/).""",
        },
        "zh-hans": {
            "title": "在境外流量快用完了，又没有 Wi-Fi",
            "summary": "趁还有少量流量时，用提醒里的链接续费；流量已用完时，可用其他网络或其他设备续费。",
            "body": """流量减少时我们会提醒您：剩余 50%、20% 和 10% 时通过 App 和邮件通知，流量用完或套餐一天内到期时还会发短信。每条提醒都有一个**续费链接**，打开就是这张卡的套餐页。

**还剩少量流量时**

续费只需很少流量：点提醒里的链接（或打开 App › 您的卡 › **续费**），选择套餐并付款。新套餐几秒内就会生效，没有 Wi-Fi 也能继续上网。续费完成前，请先暂停视频、照片备份和 App 更新。

**流量已用完时**

- 卡上已经没有流量，无法用它打开网站。请使用其他网络：酒店、机场、咖啡店或火车上的 Wi-Fi，或借同行朋友的手机热点。
- 或者换一台设备续费：在任何手机或电脑（朋友的，或家里的）上登录您的账户，为这张卡续费。无论您身在何处，都会加到您的卡上。
- 流量用完时我们发送的短信，即使没有流量也能收到，短信里的链接在任何设备上都能打开。

**下次出行**，不妨开启[自动续费](/help/automatic-renewal/)：卡会在用完前自动续费，不需要时也可以跳过。

续费了仍然无法上网？请确认[已打开数据漫游](/help/roaming-and-apn/)，重启手机；如果仍未恢复，请[联系我们](/help/contact/)。""",
        },
        "zh-hant": {
            "title": "在外地數據快用完，又沒有 Wi-Fi",
            "summary": "趁仍有少量數據時，用提示中的連結續費；數據已用完時，可用其他網絡或其他裝置續費。",
            "body": """數據減少時我們會提示您：剩餘 50%、20% 和 10% 時透過 App 和電郵通知，數據用完或方案一天內到期時亦會發短訊。每則提示都有**續費連結**，開啟後就是這張卡的方案頁。

**仍剩少量數據時**

續費只需很少數據：點選提示中的連結（或開啟 App › 您的卡 › **續費**），選擇方案並付款。新方案幾秒內就會生效，沒有 Wi-Fi 也能繼續上網。續費完成前，請先暫停影片、相片備份和 App 更新。

**數據已用完時**

- 卡上已沒有數據，無法用它開啟網站。請使用其他網絡：酒店、機場、咖啡店或火車上的 Wi-Fi，或借同行朋友的手機熱點。
- 或者換一部裝置續費：在任何手機或電腦（朋友的，或家中的）登入您的帳戶，為這張卡續費。無論您身在何處，都會加到您的卡上。
- 數據用完時我們傳送的短訊，即使沒有數據亦能收到，短訊中的連結在任何裝置都能開啟。

**下次出行**，不妨開啟[自動續費](/help/automatic-renewal/)：卡會在用完前自動續費，不需要時亦可以略過。

續費後仍無法上網？請確認[已開啟數據漫遊](/help/roaming-and-apn/)，重新啟動手機；如仍未恢復，請[聯絡我們](/help/contact/)。""",
        },
        "ja": {
            "title": "海外でデータがなくなりそう、Wi-Fiもない",
            "summary": "少しでもデータが残っているうちにお知らせのリンクから更新を。なくなった後は、別の回線や別の端末から更新できます。",
            "body": """データが減ってくるとお知らせします。残り50%、20%、10%でアプリとメールで、使い切ったときやプランの終了が1日以内に迫ったときはSMSでもお知らせします。どのお知らせにも、カードのプラン画面を開く**更新用リンク**があります。

**少しでもデータが残っているうちに**

更新に使うデータはごくわずかです。お知らせのリンクをタップし（またはアプリ › カード › **更新する**）、プランを選んでお支払いください。数秒で新しいプランが追加されるので、Wi-Fiがなくてもそのまま使い続けられます。完了するまで動画や写真のバックアップ、アプリの更新は止めておきましょう。

**使い切ってしまったら**

- カードにデータが残っていないため、そのカードではサイトを開けません。ホテル・空港・カフェ・列車のWi-Fiや、同行者のスマートフォンのテザリングなど、別の回線をお使いください。
- 別の端末から更新することもできます。どのスマートフォンやパソコン（ご友人のものやご自宅のもの）からでもアカウントにログインして更新すれば、どこにいてもカードに追加されます。
- データを使い切ったときにお送りするSMSは、データがなくても受信でき、リンクはどの端末でも開けます。

**次回からは** [自動更新](/help/automatic-renewal/)をオンにしておくと、データがなくなる前に自動で更新されます。不要なときはスキップもできます。

更新したのに通信できない場合は、[データローミングがオン](/help/roaming-and-apn/)になっているか確認し、スマートフォンを再起動してください。それでも戻らない場合は[お問い合わせ](/help/contact/)ください。""",
        },
        "ko": {
            "title": "해외에서 데이터가 떨어져 가는데 와이파이가 없어요",
            "summary": "데이터가 조금이라도 남아 있을 때 알림의 링크로 충전하세요. 다 썼다면 다른 연결이나 다른 기기로 충전할 수 있어요.",
            "body": """데이터가 줄어들면 알려 드려요. 50%, 20%, 10% 남았을 때 앱과 이메일로, 다 썼거나 요금제가 하루 안에 끝날 때는 문자로도 알려 드려요. 알림마다 카드의 요금제 화면을 여는 **충전 링크**가 있어요.

**데이터가 조금 남아 있을 때**

충전에는 데이터가 아주 조금만 들어요. 알림의 링크를 누르거나(또는 앱 › 내 카드 › **충전하기**) 요금제를 고르고 결제하세요. 몇 초 안에 새 요금제가 추가되니 와이파이 없이도 계속 쓸 수 있어요. 충전이 끝날 때까지 동영상, 사진 백업, 앱 업데이트는 잠시 멈춰 두세요.

**다 써 버렸을 때**

- 카드에 데이터가 없어서 그 카드로는 사이트를 열 수 없어요. 호텔, 공항, 카페, 기차의 와이파이나 일행 휴대폰의 핫스팟처럼 다른 연결을 쓰세요.
- 다른 기기로 충전할 수도 있어요. 어떤 휴대폰이나 컴퓨터(친구 것이나 집에 있는 것)에서든 계정에 로그인해서 충전하면, 어디에 있든 내 카드에 추가돼요.
- 데이터를 다 썼을 때 보내는 문자는 데이터가 없어도 받을 수 있고, 그 링크는 어느 기기에서나 열려요.

**다음 여행에는** [자동 충전](/help/automatic-renewal/)을 켜 두세요. 데이터가 떨어지기 전에 알아서 충전되고, 필요 없으면 건너뛸 수 있어요.

충전했는데도 데이터가 안 되면 [데이터 로밍이 켜져 있는지](/help/roaming-and-apn/) 확인하고 휴대폰을 다시 켜 보세요. 그래도 안 되면 [고객센터에 문의](/help/contact/)하세요.""",
        },
    },
)

REFUNDS = DefaultArticle(
    slug="refunds",
    topic=Topic.REFUNDS,
    sort_order=10,
    texts={
        "en": {
            "title": "Refunds: when, and how long they take",
            "summary": "Refunds go back to the way you paid, in the same currency. Wallets are usually quick; bank cards take a few working days.",
            "body": """**When you are refunded automatically**

- The network could not add the plan you paid for: we refund you at once, and the result page says so.
- Your payment arrived after the order was cancelled or closed: it is refunded and nothing is added to your card.

**Asking for a refund.** If a plan was not what you needed, [contact us](/help/contact/) with the order number. Our staff look at each request. When a refund is made, the data the order added is taken off the card.

**Where the money goes.** Always back to the way you paid, in the currency you paid: the same bank card, Alipay or WeChat Pay account. We cannot refund to another account or in cash.

**How long it takes to show**

- Alipay and WeChat Pay: usually within minutes, at most a few days.
- Bank cards: usually 5 to 10 working days, depending on your bank. It may appear as a separate credit rather than the original charge disappearing.

The order page and the receipt show the refund and its state once we have made it. If it has not reached you after the time above, [contact us](/help/contact/) with the order number.""",
        },
        "zh-hans": {
            "title": "退款：何时退、多久到账",
            "summary": "退款会原路退回，币种与付款时相同。钱包通常很快，银行卡需要几个工作日。",
            "body": """**会自动退款的情况**

- 网络无法添加您已付款的套餐：我们会立即退款，结果页也会说明。
- 您的付款在订单取消或关闭后才到账：这笔款项会退回，卡上不会增加任何流量。

**申请退款。** 如果套餐不适合您，请带上订单号[联系我们](/help/contact/)。客服会逐一处理每个申请。退款后，该订单增加的流量会从卡上扣除。

**退到哪里。** 一律原路退回，币种与付款时相同：同一张银行卡、同一个支付宝或微信支付账户。无法退到其他账户，也不能退现金。

**多久到账**

- 支付宝和微信支付：通常几分钟内到账，最多几天。
- 银行卡：通常 5 至 10 个工作日，视发卡银行而定。可能显示为一笔单独的退款入账，而不是原来的扣款消失。

退款发出后，订单页和收据上会显示退款及其状态。如果超过上述时间仍未到账，请带上订单号[联系我们](/help/contact/)。""",
        },
        "zh-hant": {
            "title": "退款：何時退、多久到帳",
            "summary": "退款會退回原付款方式，貨幣與付款時相同。電子錢包通常很快，銀行卡需要幾個工作天。",
            "body": """**會自動退款的情況**

- 網絡無法加入您已付款的方案：我們會立即退款，結果頁亦會說明。
- 您的付款在訂單取消或關閉後才到帳：這筆款項會退回，卡上不會增加任何數據。

**申請退款。** 如果方案不適合您，請提供訂單編號[聯絡我們](/help/contact/)。客服會逐一處理每個申請。退款後，該訂單加入的數據會從卡上扣除。

**退到哪裡。** 一律退回原付款方式，貨幣與付款時相同：同一張銀行卡、同一個支付寶或微信支付帳戶。無法退到其他帳戶，亦不能退現金。

**多久到帳**

- 支付寶和微信支付：通常幾分鐘內到帳，最多幾天。
- 銀行卡：通常 5 至 10 個工作天，視乎發卡銀行。可能顯示為一筆獨立的退款入帳，而非原本的扣款消失。

退款發出後，訂單頁和收據上會顯示退款及其狀態。如果超過上述時間仍未到帳，請提供訂單編號[聯絡我們](/help/contact/)。""",
        },
        "ja": {
            "title": "返金について：いつ、どのくらいで戻るか",
            "summary": "返金はお支払いと同じ方法・同じ通貨で行います。ウォレットは通常すぐ、カードは数営業日かかります。",
            "body": """**自動で返金される場合**

- お支払いいただいたプランをネットワークに追加できなかった場合：すぐに返金し、結果画面でお知らせします。
- 注文のキャンセルや締め切りの後にお支払いが届いた場合：返金し、カードには何も追加しません。

**返金のご相談。** プランがご希望に合わなかった場合は、注文番号を添えて[お問い合わせ](/help/contact/)ください。スタッフが一件ずつ確認します。返金すると、その注文で追加されたデータはカードから差し引かれます。

**返金先。** 必ずお支払いと同じ方法・同じ通貨に返金します（同じカード、同じAlipayまたはWeChat Payのアカウント）。別の口座や現金での返金はできません。

**反映までの目安**

- Alipay・WeChat Pay：通常は数分以内、長くても数日です。
- クレジットカード・デビットカード：通常5〜10営業日です（カード会社により異なります）。元の請求が消えるのではなく、別の返金として表示されることがあります。

返金後は、注文画面と領収書に返金とその状況が表示されます。上記の期間を過ぎても反映されない場合は、注文番号を添えて[お問い合わせ](/help/contact/)ください。""",
        },
        "ko": {
            "title": "환불: 언제, 얼마나 걸리나요",
            "summary": "환불은 결제한 수단으로, 결제한 통화로 돌려드려요. 간편결제는 보통 빠르고 카드는 영업일 며칠이 걸려요.",
            "body": """**자동으로 환불되는 경우**

- 결제한 요금제를 네트워크에 추가하지 못한 경우: 바로 환불하고 결과 화면에서 알려 드려요.
- 주문이 취소되거나 닫힌 뒤에 결제가 도착한 경우: 환불하고 카드에는 아무것도 추가하지 않아요.

**환불 요청.** 요금제가 필요와 맞지 않았다면 주문 번호를 준비해서 [고객센터에 문의](/help/contact/)하세요. 담당자가 요청을 하나하나 확인해요. 환불하면 그 주문으로 추가된 데이터는 카드에서 빠져요.

**어디로 환불되나요.** 항상 결제한 수단으로, 결제한 통화로 돌려드려요(같은 카드, 같은 알리페이나 위챗페이 계정). 다른 계좌나 현금으로는 환불할 수 없어요.

**반영되기까지**

- 알리페이, 위챗페이: 보통 몇 분 안에, 늦어도 며칠 안에 들어와요.
- 카드: 카드사에 따라 보통 영업일 기준 5~10일이 걸려요. 원래 결제가 사라지는 대신 따로 환불 내역으로 보일 수 있어요.

환불하면 주문 화면과 영수증에 환불과 그 상태가 나와요. 위 기간이 지나도 들어오지 않았다면 주문 번호를 준비해서 [고객센터에 문의](/help/contact/)하세요.""",
        },
    },
)

DEFAULT_ARTICLES: tuple[DefaultArticle, ...] = (
    FORGOT_ACCOUNT_PASSWORD,
    FORGOT_CARD_PASSWORD,
    RENEWAL_HOW_SOON,
    CURRENCIES_AND_METHODS,
    AUTOMATIC_RENEWAL,
    ROAMING_AND_APN,
    DATA_RUNNING_OUT,
    REFUNDS,
)
