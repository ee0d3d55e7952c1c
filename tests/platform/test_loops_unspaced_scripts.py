"""Loops in the scripts written without spaces (Chinese, Japanese), which the detectors read by
pairs of characters and runs of one script (``unspaced.parts``): two agents waiting on each
other in Chinese is found as it is in Italian; a Chinese booking changed step by step is not."""

from __future__ import annotations

from tests.platform.dialogue import chat, first_loop


def test_two_chinese_agents_each_waiting_for_the_other_are_a_loop() -> None:
    history = chat(
        "前端: 这周要上线新的结算页面。你那边接口什么时候能好？",
        "后端: 接口要等页面原型定了才能写，你先把页面原型发给我吧。",
        "前端: 页面原型得看接口返回哪些字段，你先把接口文档给我。",
        "后端: 没有页面原型我不知道要返回哪些字段，还是你先出页面原型。",
        "前端: 我得先拿到接口文档才能画页面原型。",
        "后端: 我得先看到页面原型才能写接口文档。",
        "前端: 那你先写接口文档，我再画页面原型。",
        "后端: 你先画页面原型，我再写接口文档。",
        "前端: 还是得你先写接口文档。",
        "后端: 还是得你先画页面原型。",
    )
    found = first_loop(history)
    assert found is not None and found.sequences[-1] <= 9


def test_two_japanese_agents_each_waiting_for_the_other_are_a_loop() -> None:
    history = chat(
        "A: 来週のリリース判定会議を設定しましょう。水曜の午後はどうですか？",
        "B: 水曜の午後は、まずチームの予定を確認する必要があります。"
        "先に会議室を押さえてもらえますか？",
        "A: 会議室は日時が決まらないと予約できません。先にチームの予定を確認してください。",
        "B: チームの予定は会議室の空き次第です。先に会議室を確認してください。",
        "A: 日時がないと会議室は予約できないので、やはり先に予定を確認してください。",
        "B: 会議室の状況が分からないと予定は確認できません。",
        "A: では先に予定を確認してください。そのあと会議室を予約します。",
        "B: 先に会議室を予約してください。そのあと予定を確認します。",
    )
    assert first_loop(history) is not None


def test_a_chinese_booking_changed_step_by_step_is_not_a_loop() -> None:
    history = chat(
        "顾客: 你好，我想把明天下午三点的理发预约改到后天。",
        "店员: 好的，请问您的手机号是多少？我查一下预约。",
        "顾客: 13812345678，预约的是王师傅。",
        "店员: 查到了：明天15:00，王师傅，剪发加洗发。"
        "后天王师傅下午有14:00和16:30两个空位，您选哪个？",
        "顾客: 16:30吧。另外能不能加一个染发？",
        "店员: 可以，染发大约需要两个小时，16:30开始的话要到18:30以后才结束，可以吗？",
        "顾客: 可以的，价格大概多少？",
        "店员: 短发染发298元，加上剪发洗发一共366元。"
        "已经帮您改好了：后天16:30，王师傅，剪发、洗发和染发。",
        "顾客: 好的，谢谢。",
    )
    assert first_loop(history) is None


def test_a_japanese_support_chat_that_moves_on_is_not_a_loop() -> None:
    history = chat(
        "客: パスワードを忘れてしまい、ログインできません。",
        "係: ご登録のメールアドレスを教えていただけますか？",
        "客: tanaka@example.jp です。",
        "係: 確認しました。再設定用のリンクをお送りしましたので、メールをご確認ください。",
        "客: メールが届いていません。迷惑メールフォルダにもありません。",
        "係: 申し訳ございません。送信記録ではエラーが出ています。"
        "SMSでコードをお送りしてもよろしいですか？",
        "客: はい、SMSでお願いします。",
        "係: 6桁のコードをお送りしました。ログイン画面で入力すると、"
        "新しいパスワードを設定できます。",
        "客: ログインできました。ありがとうございます。",
    )
    assert first_loop(history) is None
