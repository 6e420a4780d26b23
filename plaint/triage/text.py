"""Text to features, for Chinese and English alike: character bigrams of Chinese, word stems of the rest.

Chinese has no spaces, so a run of Han characters gives its overlapping character pairs (and a lone
character itself); a run of Latin letters or digits gives lower-cased words with a crude suffix
stripped ("refunded" and "refunds" meet at "refund"), and each pair of neighbouring words. No
dictionary, no segmenter: what a policy admin writes as a phrase is matched the same way.
"""

import re
import unicodedata

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# English words too common to say anything about a category.
STOP = frozenset(
    "a an the and or but of to in on at for with from by is are was were be been it its this that these "
    "those i me my we our you your he she they them their his her have has had do does did not no so "
    "as if then than there here what when which who will would can could just very also any some all "
    "one two after before about into out up over again still only am "
    # Words every complaint has, whatever its category.
    "said say says told tell got get now time every day days week weeks ago shop seller store merchant "
    "item order page listing product thing things".split()
)
# Chinese characters of grammar rather than meaning: a pair with one of them says nothing of a category
# ("已经", "一个", "的是"), so it is left out. 不, 没, 给 and 说 stay: "不给退", "没收到", "说好的" need them.
FUNCTION_CHARS = frozenset("的了是我你他她它们这那个一在就都也还又着过吗呢吧啊很太把被")
SUFFIXES = ("ing", "ed", "es", "s")


# Traditional characters common in complaints, and their simplified forms (a consumer in Hong Kong or
# Taiwan writes 買 and 貨 where the phrases say 买 and 货). A short table, not a converter: characters
# outside it are kept as written.
TRADITIONAL = str.maketrans(
    "買賣貨點說話們來這個麼時間問題質後開關無與東車長門發現還進過實錢應對費單號運輸遞達簽郵壞裝換處態補償價優條壓變爛廠標會員"
    "網頁圖樣顏碼線報導據檢驗聯繫絡氣電腦機視燈熱壺鍋紙衛嗎給讓該經歷數幾週歲訂購專櫃證廣虛誇詐騙誤偽認嚴謝帶雙隻張蓋層斷燒將"
    "為從務盤連議讀鋼鐵鎖鏈褲襪膚產護臉內臨凍鮮禮贈劵準備齊稅國際轉鍾鐘錶約師燙髮飯館級權適別辦復確鬧覺範緊兩鬆聽見沒裡裏麵歡"
    "團藥醫療靈錯總當並體術學書區樓寶貝頭聲響異涼溫濕淨潔擔續難賠",
    "买卖货点说话们来这个么时间问题质后开关无与东车长门发现还进过实钱应对费单号运输递达签邮坏装换处态补偿价优条压变烂厂标会员"
    "网页图样颜码线报导据检验联系络气电脑机视灯热壶锅纸卫吗给让该经历数几周岁订购专柜证广虚夸诈骗误伪认严谢带双只张盖层断烧将"
    "为从务盘连议读钢铁锁链裤袜肤产护脸内临冻鲜礼赠券准备齐税国际转钟钟表约师烫发饭馆级权适别办复确闹觉范紧两松听见没里里面欢"
    "团药医疗灵错总当并体术学书区楼宝贝头声响异凉温湿净洁担续难赔",
)


def normalize(text: str) -> str:
    """Return `text` in one form: full-width letters and digits folded (NFKC), lower case, common
    traditional characters simplified."""
    return unicodedata.normalize("NFKC", text or "").lower().translate(TRADITIONAL)


def stem(word: str) -> str:
    """Return the word with one common English suffix stripped, when enough of it is left."""
    word = word.removesuffix("'s")
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def surface(text: str) -> dict[str, str]:
    """Return each stemmed word of `text` with the word as the consumer wrote it (its first use), to show her."""
    written: dict[str, str] = {}
    for word in WORD.findall(HAN.sub(" | ", normalize(text))):
        written.setdefault(stem(word), word)
    return written


def features(text: str) -> list[str]:
    """Return the text's features in order of appearance (repeats kept)."""
    text = normalize(text)
    found: list[str] = []
    for run in HAN.findall(text):
        if len(run) == 1 and run not in FUNCTION_CHARS:
            found.append(run)
        pairs = (run[i : i + 2] for i in range(len(run) - 1))
        found.extend(p for p in pairs if p[0] not in FUNCTION_CHARS and p[1] not in FUNCTION_CHARS)
    words = [stem(w) for w in WORD.findall(HAN.sub(" | ", text))]
    kept = [w for w in words if w not in STOP]
    found.extend(kept)
    # Neighbouring words, stop words skipped ("never arrived", "wrong size").
    found.extend(f"{a} {b}" for a, b in zip(kept, kept[1:], strict=False))
    return found


def grams(text: str) -> list[str]:
    """Return the text's character n-grams: 2 to 4 characters within each run of Han characters, 3 to 4
    within each word of the rest, stop words left out (padded with a space at each end, so a word's start
    and end are n-grams of their own; two Latin letters say next to nothing of a category)."""
    text = normalize(text)
    found: list[str] = []
    for run in re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+", text):
        if HAN.match(run):
            sizes = (2, 3, 4)
        elif run in STOP:
            continue
        else:
            run, sizes = f" {run} ", (3, 4)
        for n in sizes:
            found.extend(run[i : i + n] for i in range(len(run) - n + 1))
    return found


def phrase_form(text: str) -> str:
    """Return the text as the phrase matcher reads it: Han kept, words stemmed, single spaces."""
    text = normalize(text)
    out = []
    for token in re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+(?:'[a-z]+)?", text):
        out.append(token if HAN.fullmatch(token) else stem(token))
    return " " + " ".join(out) + " "
