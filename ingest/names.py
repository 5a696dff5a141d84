"""Plausible Chinese personal data for the sample city: names, ID card numbers, phone numbers.

Everything draws from a caller-supplied ``random.Random`` so the sample stays deterministic.
"""

from __future__ import annotations

import itertools
import random

__all__ = ["NameMaker", "id_number", "phone_number", "id_check_digit"]

# The most common surnames with rough shares (per mille of the population), most frequent first.
_SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 71),
    ("李", 70),
    ("张", 68),
    ("刘", 54),
    ("陈", 45),
    ("杨", 31),
    ("黄", 22),
    ("赵", 20),
    ("吴", 20),
    ("周", 17),
    ("徐", 13),
    ("孙", 13),
    ("马", 12),
    ("朱", 11),
    ("胡", 11),
    ("郭", 10),
    ("何", 9),
    ("高", 9),
    ("林", 9),
    ("罗", 8),
    ("郑", 8),
    ("梁", 8),
    ("谢", 6),
    ("宋", 6),
    ("唐", 6),
    ("许", 5),
    ("韩", 5),
    ("冯", 5),
    ("邓", 5),
    ("曹", 5),
    ("彭", 4.5),
    ("曾", 4.5),
    ("肖", 4.5),
    ("田", 4),
    ("董", 4),
    ("袁", 4),
    ("潘", 4),
    ("于", 4),
    ("蒋", 3.5),
    ("蔡", 3.5),
    ("余", 3.5),
    ("杜", 3.5),
    ("叶", 3.5),
    ("程", 3.5),
    ("苏", 3),
    ("魏", 3),
    ("吕", 3),
    ("丁", 3),
    ("任", 3),
    ("沈", 3),
    ("姚", 2.5),
    ("卢", 2.5),
    ("姜", 2.5),
    ("崔", 2.5),
    ("钟", 2.5),
    ("谭", 2.5),
    ("陆", 2.5),
    ("汪", 2.5),
    ("范", 2.5),
    ("金", 2.5),
    ("石", 2),
    ("廖", 2),
    ("贾", 2),
    ("夏", 2),
    ("韦", 2),
    ("付", 2),
    ("方", 2),
    ("白", 2),
    ("邹", 2),
    ("孟", 2),
    ("熊", 2),
    ("秦", 2),
    ("邱", 2),
    ("江", 2),
    ("尹", 1.5),
    ("薛", 1.5),
    ("闫", 1.5),
    ("段", 1.5),
    ("雷", 1.5),
    ("侯", 1.5),
    ("龙", 1.5),
    ("史", 1.5),
    ("陶", 1.5),
    ("黎", 1.5),
    ("贺", 1.5),
    ("顾", 1.5),
    ("毛", 1.5),
    ("郝", 1.5),
    ("龚", 1.5),
    ("邵", 1.5),
    ("万", 1),
    ("钱", 1),
    ("严", 1),
    ("覃", 1),
    ("武", 1),
    ("戴", 1),
    ("莫", 1),
    ("孔", 1),
    ("向", 1),
    ("汤", 1),
    ("常", 1),
    ("温", 1),
    ("康", 1),
    ("施", 1),
    ("文", 1),
    ("牛", 1),
    ("樊", 1),
    ("葛", 1),
    # Compound surnames are rare but real.
    ("欧阳", 0.4),
    ("司马", 0.1),
    ("上官", 0.1),
    ("诸葛", 0.1),
    ("东方", 0.05),
    ("令狐", 0.05),
    ("慕容", 0.05),
    ("皇甫", 0.05),
)

_MALE_CHARS = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁浩凯健俊帆亮成建国文志永海峰东林宇晨昊博兵锋晖毅龙"
_FEMALE_CHARS = "芳娜敏静丽艳娟霞秀玲燕红婷雪琳晶颖慧佳倩琴云洁莉萍丹蕾欣悦璐瑶婧妍薇怡梅兰"
_COMMON_CHARS = "子一文思嘉雨天新安家晓佳宏立德正志春秋"

# Minority names, written as ID cards write them: Uyghur and Kazakh names with a middle dot,
# Tibetan and Mongolian names without a surname.
_DOTTED_GIVEN_M = (
    "艾力",
    "买买提",
    "艾则孜",
    "吐尔逊",
    "阿不都",
    "努尔",
    "热合曼",
    "伊力哈木",
    "库尔班",
    "叶尔兰",
)
_DOTTED_GIVEN_F = ("阿依古丽", "古丽娜尔", "热依拉", "帕提古丽", "迪丽努尔", "阿依努尔", "米热古丽")
_DOTTED_FATHER = ("买买提", "吐尔逊", "艾则孜", "阿不都热依木", "吾斯曼", "沙吾提", "玉素甫", "托合提")
_TIBETAN_M = ("扎西多吉", "次仁顿珠", "格桑旺堆", "多吉才让", "洛桑平措")
_TIBETAN_F = ("次仁卓玛", "央金拉姆", "德吉卓嘎", "格桑梅朵")
_MONGOLIAN_M = ("巴特尔", "乌力吉", "额尔敦", "朝鲁", "苏和")
_MONGOLIAN_F = ("其其格", "萨仁高娃", "乌云", "塔娜")


class NameMaker:
    """Draws names by surname frequency; about one in two hundred is a minority name."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._surnames = [s for s, _ in _SURNAMES]
        self._cum = list(itertools.accumulate(w for _, w in _SURNAMES))

    def name(self, male: bool) -> str:
        rng = self._rng
        r = rng.random()
        if r < 0.003:
            given = rng.choice(_DOTTED_GIVEN_M if male else _DOTTED_GIVEN_F)
            return f"{given}·{rng.choice(_DOTTED_FATHER)}"
        if r < 0.004:
            return rng.choice(_TIBETAN_M if male else _TIBETAN_F)
        if r < 0.005:
            return rng.choice(_MONGOLIAN_M if male else _MONGOLIAN_F)
        surname = rng.choices(self._surnames, cum_weights=self._cum)[0]
        chars = _MALE_CHARS if male else _FEMALE_CHARS
        if rng.random() < 0.3:
            return surname + rng.choice(chars)
        first = rng.choice(_COMMON_CHARS) if rng.random() < 0.3 else rng.choice(chars)
        return surname + first + rng.choice(chars)


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """GB 11643 check character (ISO 7064 MOD 11-2) of the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_number(rng: random.Random, region: str, birth_year: int, male: bool) -> str:
    """An 18-character resident ID number with a valid check character."""
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    seq = rng.randint(0, 499) * 2 + (1 if male else 0)  # odd sequence = male
    first17 = f"{region}{birth_year:04d}{month:02d}{day:02d}{seq:03d}"
    return first17 + id_check_digit(first17)


_MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "158",
    "159",
    "170",
    "176",
    "177",
    "180",
    "181",
    "186",
    "187",
    "188",
    "189",
    "199",
)


def phone_number(rng: random.Random) -> str:
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
