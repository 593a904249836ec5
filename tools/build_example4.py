"""Build the fourth example workbook ``inputs/上海市普陀区财政局2024决算.xlsx`` from the published final accounts.

The source is ``shared/reference/formats/shanghai-final-accounts-2024.txt``: 上海市普陀区财政局2024年度
部门决算, the text of the published PDF extracted with ``pdftotext -layout``. Every figure and text
below is transcribed from it by hand (line numbers below are that file's); amounts are the printed
万元 strings, converted with Decimal. The workbook is the blank workbook of the ``final-accounts``
format, filled as the bureau's clerk would fill it:

- the nine tables row for row as published (表2, 表3's 合计 row first, 表5's last, as printed; a
  cell the table prints nothing in left empty; labels and 科目 names the layout breaks over two lines
  typed unbroken), 表6's two halves (301, 303 | 302, 310) typed as one list in code order, and the
  workbook-only table U: the 部门决算单位构成 list;
- 表5's unprinted columns from 第三部分 五（三）: each 项's 年初预算数, 主要用于 and 预决算差异原因 (none
  where the text says 基本持平); the 类 and 款 rows' 年初预算数 are the sums of their 项, the 合计
  row's the published 年初预算 2993.92 (the 项 add to 2993.93: the check reports the 尾差);
- the narrative's facts: the 主要职能 paragraphs verbatim, one a line; no 决算单位构成说明 (the
  format's standard text is the document's); the 名词解释 (the document's wording differs from the
  format's in 事业收入 and 其他收入), without their printed numbers (一、… is laid out by the template);
  the reasons, 三公 counts, 绩效, 机关运行经费, 政府采购 and 国有资产 facts;
- the 上年数: the 2023 决算 figures, reconstructed from the changes the document states (see PRIOR).

The published mistakes, and what the workbook holds instead:

- C1: 八、社会保障和就业支出 is printed 326.71 in 表1 (line 142) and 表4 (line 271), but 326.72 in 表2
  (line 185), 表3 (line 228), 表5 (line 318) and the narrative (line 565), and its four 项 add to
  326.72: 表1 and 表4 hold 326.72. (326.71 makes 表1's and 表4's classes add to the printed
  2940.05; with 326.72 they add to 2940.06, the same 尾差 表2, 表3 and 表5 carry.)
- C2: 六 (line 631) names 个人农业生产补贴 among the 人员经费, where 表6 prints 0.31 against 30309 奖励金
  (lines 422–424) and nothing against 30310: the table wins (the generator prints the list from 表6).
- C3: 四 (lines 548–549) gives the 财政拨款收入支出总计 as “0.3万元”, “持平” with 2023; 表4's is
  2961.68. The generator prints it from 表4; the 2023 figure is reconstructed (PRIOR).
- W1 (wording): the 名词解释 “三公”经费 writes “其中:” with an ASCII colon (line 728): typed “其中：”.
- The layout runs 主要职能 （七） and （八） into one paragraph (line 92): typed as two lines.

Kept as published (the check reports them as 尾差 warnings): 表6's 301 is 2082.85 where its 款 add
to 2082.86, 302 is 171.07 where they add to 171.09; the 政府采购 parts add to 251.26 against the
published 251.25 (line 686).

Run from the project root: ``python tools/build_example4.py``.
"""

from __future__ import annotations

import datetime
import pathlib
import sys
from collections.abc import Sequence
from decimal import Decimal

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402

from generator.formats import builtin  # noqa: E402
from generator.formats.spec import TableSpec  # noqa: E402
from generator.workbook import blank, schema  # noqa: E402
from tools.example_writing import put  # noqa: E402

FORMAT = "final-accounts"
YEAR = 2024
BUREAU = "上海市普陀区财政局"
OUTPUT = ROOT / "inputs" / f"{BUREAU}{YEAR}决算.xlsx"
STAMP = datetime.datetime(2024, 1, 1)

# --- the tables ---------------------------------------------------------------------------------
# Each table: the column keys its rows fill, then the rows as published, one tuple a row;
# "" is a cell the table prints nothing in. Amounts in 万元.

# 表1 收入支出决算总表 (lines 130–164): income lines beside the spending classes, then the totals.
T1_KEYS = ("in_label", "in_amount", "out_label", "out_amount")
T1 = [
    ("一、一般公共预算财政拨款收入", "2940.05", "一、一般公共服务支出", "2106.66"),
    ("二、政府性基金预算财政拨款收入", "", "二、外交支出", ""),
    ("三、国有资本经营预算财政拨款收入", "", "三、国防支出", ""),
    ("四、上级补助收入", "", "四、公共安全支出", ""),
    ("五、事业收入", "", "五、教育支出", ""),
    ("六、经营收入", "", "六、科学技术支出", ""),
    ("七、附属单位上缴收入", "", "七、文化旅游体育与传媒支出", ""),
    ("八、其他收入", "6.20", "八、社会保障和就业支出", "326.72"),  # C1: printed 326.71
    ("", "", "九、卫生健康支出", "60.99"),
    ("", "", "十、节能环保支出", ""),
    ("", "", "十一、城乡社区支出", ""),
    ("", "", "十二、农林水支出", ""),
    ("", "", "十三、交通运输支出", ""),
    ("", "", "十四、资源勘探工业信息等支出", ""),
    ("", "", "十五、商业服务业等支出", ""),
    ("", "", "十六、金融支出", ""),
    ("", "", "十七、援助其他地区支出", ""),
    ("", "", "十八、自然资源海洋气象等支出", ""),
    ("", "", "十九、住房保障支出", "445.69"),
    ("", "", "二十、粮油物资储备支出", ""),
    ("", "", "二十一、国有资本经营预算支出", ""),
    ("", "", "二十二、灾害防治及应急管理支出", ""),
    ("", "", "二十三、其他支出", ""),
    ("", "", "二十四、债务还本支出", ""),
    ("", "", "二十五、债务付息支出", ""),
    ("", "", "二十六、抗疫特别国债安排的支出", ""),
    ("本年收入合计", "2946.25", "本年支出合计", "2940.05"),
    ("使用非财政拨款结余（含专用结余）", "", "结余分配", ""),
    ("年初结转和结余", "49.14", "年末结转和结余", "55.34"),
    ("总计", "2995.39", "总计", "2995.39"),
]

# 表2 收入决算表 (lines 165–203): 合计 first, then 类, 款, 项; only 财政拨款收入 and 其他收入 are used.
T2_KEYS = ("lei", "kuan", "xiang", "name", "total", "fiscal", "other")
T2 = [
    ("", "", "", "合计", "2946.25", "2940.05", "6.20"),
    ("201", "", "", "一般公共服务支出", "2112.86", "2106.66", "6.20"),
    ("201", "06", "", "财政事务", "2112.86", "2106.66", "6.20"),
    ("201", "06", "01", "行政运行", "1511.90", "1511.89", "0.01"),
    ("201", "06", "02", "一般行政管理事务", "16.19", "10.00", "6.19"),
    ("201", "06", "07", "信息化建设", "135.25", "135.25", ""),
    ("201", "06", "08", "财政委托业务支出", "449.52", "449.52", ""),
    ("208", "", "", "社会保障和就业支出", "326.72", "326.72", ""),
    ("208", "05", "", "行政事业单位养老支出", "326.72", "326.72", ""),
    ("208", "05", "01", "行政单位离退休", "84.65", "84.65", ""),
    ("208", "05", "05", "机关事业单位基本养老保险缴费支出", "160.75", "160.75", ""),
    ("208", "05", "06", "机关事业单位职业年金缴费支出", "80.38", "80.38", ""),
    ("208", "05", "99", "其他行政事业单位养老支出", "0.94", "0.94", ""),
    ("210", "", "", "卫生健康支出", "60.99", "60.99", ""),
    ("210", "11", "", "行政事业单位医疗", "60.99", "60.99", ""),
    ("210", "11", "01", "行政单位医疗", "60.99", "60.99", ""),
    ("221", "", "", "住房保障支出", "445.69", "445.69", ""),
    ("221", "02", "", "住房改革支出", "445.69", "445.69", ""),
    ("221", "02", "01", "住房公积金", "187.19", "187.19", ""),
    ("221", "02", "03", "购房补贴", "258.50", "258.50", ""),
]

# 表3 支出决算表 (lines 204–246): 合计 first, then 类, 款, 项; only 基本支出 and 项目支出 are used.
T3_KEYS = ("lei", "kuan", "xiang", "name", "total", "basic", "project")
T3 = [
    ("", "", "", "合计", "2940.05", "2336.91", "603.14"),
    ("201", "", "", "一般公共服务支出", "2106.66", "1503.52", "603.14"),
    ("201", "06", "", "财政事务", "2106.66", "1503.52", "603.14"),
    ("201", "06", "01", "行政运行", "1511.89", "1503.52", "8.37"),
    ("201", "06", "02", "一般行政管理事务", "10.00", "", "10.00"),
    ("201", "06", "07", "信息化建设", "135.25", "", "135.25"),
    ("201", "06", "08", "财政委托业务支出", "449.52", "", "449.52"),
    ("208", "", "", "社会保障和就业支出", "326.72", "326.72", ""),
    ("208", "05", "", "行政事业单位养老支出", "326.72", "326.72", ""),
    ("208", "05", "01", "行政单位离退休", "84.65", "84.65", ""),
    ("208", "05", "05", "机关事业单位基本养老保险缴费支出", "160.75", "160.75", ""),
    ("208", "05", "06", "机关事业单位职业年金缴费支出", "80.38", "80.38", ""),
    ("208", "05", "99", "其他行政事业单位养老支出", "0.94", "0.94", ""),
    ("210", "", "", "卫生健康支出", "60.99", "60.99", ""),
    ("210", "11", "", "行政事业单位医疗", "60.99", "60.99", ""),
    ("210", "11", "01", "行政单位医疗", "60.99", "60.99", ""),
    ("221", "", "", "住房保障支出", "445.69", "445.69", ""),
    ("221", "02", "", "住房改革支出", "445.69", "445.69", ""),
    ("221", "02", "01", "住房公积金", "187.19", "187.19", ""),
    ("221", "02", "03", "购房补贴", "258.50", "258.50", ""),
]

# 表4 财政拨款收入支出决算总表 (lines 247–303): the three 财政拨款 beside the spending classes, the totals,
# the 年初结转和结余 by fund; only the 一般公共预算财政拨款 column is used.
T4_KEYS = ("in_label", "in_amount", "out_label", "out_total", "out_gpb", "out_gov_fund", "out_soe")
T4 = [
    ("一、一般公共预算财政拨款", "2940.05", "一、一般公共服务支出", "2106.66", "2106.66", "", ""),
    ("二、政府性基金预算财政拨款", "", "二、外交支出", "", "", "", ""),
    ("三、国有资本经营预算财政拨款", "", "三、国防支出", "", "", "", ""),
    ("", "", "四、公共安全支出", "", "", "", ""),
    ("", "", "五、教育支出", "", "", "", ""),
    ("", "", "六、科学技术支出", "", "", "", ""),
    ("", "", "七、文化旅游体育与传媒支出", "", "", "", ""),
    ("", "", "八、社会保障和就业支出", "326.72", "326.72", "", ""),  # C1: printed 326.71 twice
    ("", "", "九、卫生健康支出", "60.99", "60.99", "", ""),
    ("", "", "十、节能环保支出", "", "", "", ""),
    ("", "", "十一、城乡社区支出", "", "", "", ""),
    ("", "", "十二、农林水支出", "", "", "", ""),
    ("", "", "十三、交通运输支出", "", "", "", ""),
    ("", "", "十四、资源勘探工业信息等支出", "", "", "", ""),
    ("", "", "十五、商业服务业等支出", "", "", "", ""),
    ("", "", "十六、金融支出", "", "", "", ""),
    ("", "", "十七、援助其他地区支出", "", "", "", ""),
    ("", "", "十八、自然资源海洋气象等支出", "", "", "", ""),
    ("", "", "十九、住房保障支出", "445.69", "445.69", "", ""),
    ("", "", "二十、粮油物资储备支出", "", "", "", ""),
    ("", "", "二十一、国有资本经营预算支出", "", "", "", ""),
    ("", "", "二十二、灾害防治及应急管理支出", "", "", "", ""),
    ("", "", "二十三、其他支出", "", "", "", ""),
    ("", "", "二十四、债务还本支出", "", "", "", ""),
    ("", "", "二十五、债务付息支出", "", "", "", ""),
    ("", "", "二十六、抗疫特别国债安排的支出", "", "", "", ""),
    ("本年收入合计", "2940.05", "本年支出合计", "2940.05", "2940.05", "", ""),
    ("年初财政拨款结转和结余", "21.63", "年末财政拨款结转和结余", "21.63", "21.63", "", ""),
    ("一、一般公共预算财政拨款", "21.63", "", "", "", "", ""),
    ("二、政府性基金预算财政拨款", "", "", "", "", "", ""),
    ("三、国有资本经营预算财政拨款", "", "", "", "", "", ""),
    ("总计", "2961.68", "总计", "2961.68", "2961.68", "", ""),
]

# 表5 一般公共预算财政拨款支出决算表 (lines 304–331): 类, 款, 项, 合计 last; then the unprinted
# 年初预算数, 主要用于 and 预决算差异原因 from 第三部分 五（三） (lines 573–625; items 4 and 6 are
# interleaved by the layout, lines 588–604).
T5_KEYS = ("lei", "kuan", "xiang", "name", "total", "basic", "project", "budget", "purpose", "reason")
SAME_REASON = "预算按周全保障测算，实际执行基本贴合预期"
T5 = [
    ("201", "", "", "一般公共服务支出", "2106.66", "1503.52", "603.14", "2156.47", "", ""),
    ("201", "06", "", "财政事务", "2106.66", "1503.52", "603.14", "2156.47", "", ""),
    (
        "201",
        "06",
        "01",
        "行政运行",
        "1511.89",
        "1503.52",
        "8.37",
        "1560.05",
        "局本部人员经费及公用经费等的基本支出",
        "人员进出及退休变化，减少人员经费开支",
    ),
    ("201", "06", "02", "一般行政管理事务", "10.00", "", "10.00", "10.00", "局财政业务指导与宣传等基本支出", ""),
    (
        "201",
        "06",
        "07",
        "信息化建设",
        "135.25",
        "",
        "135.25",
        "135.90",
        "信息化系统日常维护费等支出",
        "因产业政策扶持资金管理系统项目进度，调减相关经费",
    ),
    (
        "201",
        "06",
        "08",
        "财政委托业务支出",
        "449.52",
        "",
        "449.52",
        "450.52",
        "委托中介机构开展各类审计及绩效评价工作",
        "因个别项目评审费未能实施或未来得及支付完毕，于明年重新申请",
    ),
    ("208", "", "", "社会保障和就业支出", "326.72", "326.72", "", "328.92", "", ""),
    ("208", "05", "", "行政事业单位养老支出", "326.72", "326.72", "", "328.92", "", ""),
    (
        "208",
        "05",
        "01",
        "行政单位离退休",
        "84.65",
        "84.65",
        "",
        "85.55",
        "退休人员经费支出",
        "预算按充分保障预估，实际执行基本贴合预期",
    ),
    (
        "208",
        "05",
        "05",
        "机关事业单位基本养老保险缴费支出",
        "160.75",
        "160.75",
        "",
        "161.62",
        "在职人员的基本养老保险支出",
        "预算按充分保障预估，实际执行基本贴合预期",
    ),
    (
        "208",
        "05",
        "06",
        "机关事业单位职业年金缴费支出",
        "80.38",
        "80.38",
        "",
        "80.81",
        "在职人员的职业年金缴费支出",
        SAME_REASON,
    ),
    ("208", "05", "99", "其他行政事业单位养老支出", "0.94", "0.94", "", "0.94", "退休人员经费支出", ""),
    ("210", "", "", "卫生健康支出", "60.99", "60.99", "", "62.29", "", ""),
    ("210", "11", "", "行政事业单位医疗", "60.99", "60.99", "", "62.29", "", ""),
    ("210", "11", "01", "行政单位医疗", "60.99", "60.99", "", "62.29", "在职人员基本医疗保险费", SAME_REASON),
    ("221", "", "", "住房保障支出", "445.69", "445.69", "", "446.25", "", ""),
    ("221", "02", "", "住房改革支出", "445.69", "445.69", "", "446.25", "", ""),
    ("221", "02", "01", "住房公积金", "187.19", "187.19", "", "187.75", "缴纳在职人员住房公积金", SAME_REASON),
    ("221", "02", "03", "购房补贴", "258.50", "258.50", "", "258.50", "缴纳在职人员住房购房补贴", ""),
    ("", "", "", "合计", "2940.05", "2336.91", "603.14", "2993.92", "", ""),  # 年初预算 as published (line 573)
]

# 表6 一般公共预算财政拨款基本支出决算表 (lines 332–478): printed in two halves (301 and 303 on the
# left, 302 and 310 on the right), each amount on the line above its code; typed in code order.
T6_KEYS = ("lei", "kuan", "name", "amount")
T6 = [
    ("301", "", "工资福利支出", "2082.85"),
    ("301", "01", "基本工资", "262.33"),
    ("301", "02", "津贴补贴", "1238.58"),
    ("301", "03", "奖金", ""),
    ("301", "06", "伙食补助费", ""),
    ("301", "07", "绩效工资", ""),
    ("301", "08", "机关事业单位基本养老保险缴费", "160.75"),
    ("301", "09", "职业年金缴费", "80.38"),
    ("301", "10", "职工基本医疗保险缴费", "60.99"),
    ("301", "11", "公务员医疗补助缴费", ""),
    ("301", "12", "其他社会保障缴费", "1.61"),
    ("301", "13", "住房公积金", "187.19"),
    ("301", "14", "医疗费", ""),
    ("301", "99", "其他工资福利支出", "91.03"),
    ("302", "", "商品和服务支出", "171.07"),
    ("302", "01", "办公费", "21.21"),
    ("302", "02", "印刷费", "7.61"),
    ("302", "03", "咨询费", ""),
    ("302", "04", "手续费", "0.09"),
    ("302", "05", "水费", ""),
    ("302", "06", "电费", ""),
    ("302", "07", "邮电费", "4.88"),
    ("302", "08", "取暖费", ""),
    ("302", "09", "物业管理费", ""),
    ("302", "11", "差旅费", "1.20"),
    ("302", "12", "因公出国（境）费用", ""),
    ("302", "13", "维修（护）费", "2.83"),
    ("302", "14", "租赁费", ""),
    ("302", "15", "会议费", ""),
    ("302", "16", "培训费", "4.05"),
    ("302", "17", "公务接待费", ""),
    ("302", "18", "专用材料费", ""),
    ("302", "24", "被装购置费", ""),
    ("302", "25", "专用燃料费", ""),
    ("302", "26", "劳务费", "2.01"),
    ("302", "27", "委托业务费", ""),
    ("302", "28", "工会经费", "24.42"),
    ("302", "29", "福利费", "42.77"),
    ("302", "31", "公务用车运行维护费", ""),
    ("302", "39", "其他交通费用", "48.49"),
    ("302", "40", "税金及附加费用", ""),
    ("302", "99", "其他商品和服务支出", "11.53"),
    ("303", "", "对个人和家庭的补助", "69.41"),
    ("303", "01", "离休费", ""),
    ("303", "02", "退休费", "69.10"),
    ("303", "03", "退职（役）费", ""),
    ("303", "04", "抚恤金", ""),
    ("303", "05", "生活补助", ""),
    ("303", "07", "医疗费补助", ""),
    ("303", "08", "助学金", ""),
    ("303", "09", "奖励金", "0.31"),  # C2: the narrative names 个人农业生产补贴 (30310)
    ("303", "10", "个人农业生产补贴", ""),
    ("303", "11", "代缴社会保险费", ""),
    ("303", "99", "其他对个人和家庭的补助", ""),
    ("310", "", "资本性支出", "13.58"),
    ("310", "01", "房屋建筑物购建", ""),
    ("310", "02", "办公设备购置", "13.58"),
    ("310", "03", "专用设备购置", ""),
    ("310", "07", "信息网络及软件购置更新", ""),
    ("310", "13", "公务用车购置", ""),
    ("310", "19", "其他交通工具购置", ""),
    ("310", "21", "文物和陈列品购置", ""),
    ("310", "22", "无形资产购置", ""),
    ("310", "99", "其他资本性支出", ""),
    ("", "", "人员经费合计", "2152.26"),
    ("", "", "公用经费合计", "184.65"),
]

# 表7 财政拨款“三公”经费支出决算表 (lines 479–491): one row; only the 合计 and 公务接待费 预算数 are printed.
T7_KEYS = (
    "total_budget",
    "total",
    "abroad_budget",
    "abroad",
    "vehicle_budget",
    "vehicle",
    "purchase_budget",
    "purchase",
    "running_budget",
    "running",
    "reception_budget",
    "reception",
)
T7 = [("0.95", "", "", "", "", "", "", "", "", "", "0.95", "")]

# 表8 政府性基金预算财政拨款收入支出决算表 (lines 492–507): the empty table, its 合计 row only.
T8_KEYS = ("name",)
T8 = [("合计",)]

# 表9 国有资本经营预算财政拨款收入支出决算表 (lines 508–523): the empty table, its 合计 row only.
T9_KEYS = ("name",)
T9 = [("合计",)]

# U 部门决算单位构成 (lines 121–124): the units, 本级 first.
U_KEYS = ("name", "note")
U = [
    ("上海市普陀区财政局（本级）", ""),
    ("上海市普陀区财政局财政所", "预算不单列，并入本级"),
    ("上海市普陀区国库收付中心", "预算不单列，并入本级"),
]

TABLES: dict[str, tuple[tuple[str, ...], list[tuple[str, ...]]]] = {
    "T1": (T1_KEYS, T1),
    "T2": (T2_KEYS, T2),
    "T3": (T3_KEYS, T3),
    "T4": (T4_KEYS, T4),
    "T5": (T5_KEYS, T5),
    "T6": (T6_KEYS, T6),
    "T7": (T7_KEYS, T7),
    "T8": (T8_KEYS, T8),
    "T9": (T9_KEYS, T9),
    "U": (U_KEYS, U),
}

# --- 基本信息 -------------------------------------------------------------------------------------

# 第一部分 一、主要职能 (lines 56–110), one paragraph a line, the layout's broken lines joined;
# （七） and （八） split (the layout runs them together, line 92).
DUTIES = [
    "第一条 根据《上海市普陀区机构改革方案》，制定本规定。",
    "第二条 上海市普陀区财政局是主管全区财政工作的区政府工作部门，为正处级。",
    "第三条 上海市普陀区财政局的主要职责是：",
    "（一）贯彻执行国家和本市有关财政工作的法律、法规、规章和方针、政策；研究拟订本区财政发展战略、规划、政策和改革方案并组织实施。",
    "（二）承担政府各项财政收支管理的责任；负责政府财政资金和财政专户管理；负责编制年度财政预决算并组织执行；受区政府委托，向区人民代表大会报告上年度预算执行情况及本年度预算，向区人大常委会报告调整预算及决算等事项；组织拟订预算支出标准，审核批复部门（单位）的年度预决算，及时、准确拨付预算资金。",
    "（三）逐步建立全面规范透明、标准科学、约束有力的预算制度，健全包括一般公共预算、政府性基金预算、国有资本经营预算在内的政府预算管理体系；深化部门预算改革，完善预算支出标准体系建设；加强中期财政规划管理，建立跨年度预算平衡机制；理顺区与两镇收入划分，完善市与区财力与事权相匹配、事权与支出责任相适应的体制和制度。",
    "（四）参与预测本区宏观经济形势，分析财政资金支持经济发展情况，结合本区实际，参与制定产业发展、经济贸易、科技、教育和社会保障等政策措施和改革方案；提出运用财政政策实施宏观调控和综合平衡财力的建议；执行国家和市、区有关扶持政策，负责本区企业（项目）扶持的统一管理，测算及兑现服务经济功能平台工作经费。",
    "（五）拟订和组织实施本区行政事业单位国有资产管理规章制度，规范管理和处置行政事业单位国有资产，深入推进“公物仓”改革，建立资产共享共用机制。拟订本区政府采购实施意见并监督管理；负责公务车辆控购管理。",
    "（六）全面推进预算和绩效管理一体化改革，拟订和组织实施本区预算绩效管理制度和实施办法相关政策、制度和办法，加快建成全方位、全过程、全覆盖的预算绩效管理体系。",
    "（七）负责本区会计管理工作，监督和规范会计行为，组织和实施国家颁布的各项会计准则、会计制度和财务规则。",
    "（八）负责本区暂未划转入税务部门的非税收入管理、政府性基金管理，按照分工管理行政事业性收费，负责财政票据管理；做好国有资本经营收益收缴，会同有关部门拟订国有资本经营预决算的制度和办法，促进合理配置及使用国有资本。",
    "（九）拟订和组织实施本区国库管理制度，监督考核预算执行进度和公务卡使用情况；负责总预算会计的核算；建立健全权责发生制政府综合财务报告制度及相关评价体系；建立健全结转结余资金定期清理机制。",
    "（十）执行国家和本市债务管理的制度和政策，建立规范合理的政府债务管理及风险预警机制，加快形成管理规范、风险可控、成本合理、运行高效的地方政府举债融资机制。",
    "（十一）负责政府投资项目资金管理，参与拟订区政府建设投资的有关政策，负责本区基本建设项目的财务管理和财政监督；参与基本建设项目评估和概算审查，负责基建项目的预算核定，负责基建资金运用情况的跟踪、管理、监督，审批基本建设单位的年度财务决算；编制和落实本区土地收支基金预决算，加强土地收支预算执行情况管理。",
    "（十二）完成区委、区政府交办的其他任务。",
]

# 第四部分 名词解释 (lines 701–737): the eleven items as “名词：解释”, without their numbers (一、…);
# W1: item 十's “其中:” typed “其中：”.
GLOSSARY = [
    "财政拨款收入：指单位本年度从本级财政部门取得的财政拨款，包括一般公共预算财政拨款、政府性基金预算财政拨款和国有资本经营预算财政拨款。",
    "事业收入：指事业单位开展专业业务活动及辅助活动所取得的收入。",
    "经营收入：指事业单位在专业业务活动及其辅助活动之外开展非独立核算经营活动取得的收入。",
    "其他收入：指除上述“财政拨款收入”“事业收入”“经营收入”等以外的收入。",
    "年初结转和结余：指以前年度尚未完成、结转到本年按有关规定继续使用的资金。",
    "年末结转和结余：指本年度或以前年度预算安排、因客观条件发生变化无法按原计划实施，需延迟到以后年度按有关规定继续使用的资金。",
    "基本支出：指单位为保障机构正常运转、完成日常工作任务而发生的各项支出。",
    "项目支出：指单位为完成特定的行政工作任务或事业发展目标，在基本支出之外发生的各项支出。",
    "经营支出：指事业单位在专业活动及辅助活动之外开展非独立核算经营活动发生的支出。",
    "“三公”经费：指单位使用本级财政拨款安排的因公出国（境）费、公务用车购置及运行维护费和公务接待费。"
    "其中：因公出国（境）费反映单位参加国际合作交流、重大项目洽谈、境外培训研修等的国际旅费、国外城市间交通费、"
    "住宿费、伙食费、培训费、公杂费等支出；公务接待费反映全国性专业会议、国家重大政策调研、专项检查以及外事团组"
    "接待交流等执行公务或开展业务所需住宿费、交通费、伙食费等支出；公务用车购置及运行维护费反映编制内公务车辆的"
    "报废更新，以及用于安排市内因公出差、公务文件交换、日常工作开展等所需公务用车燃料费、维修费、过路过桥费、"
    "保险费等支出。",
    "机关运行经费：指行政单位和参照公务员法管理的事业单位使用一般公共预算财政拨款安排的基本支出中的日常公用经费支出。",
]

# 一、四、五（一）'s reason (lines 531–532, 551–552, 559–560): the same words three times.
REASON = "基本支出中人员进出及退休变化，以及项目支出中合同支付进度条款等原因减少支付"

# The facts by key; amounts as 万元 strings, counts as ints.
FACTS: dict[str, object] = {
    "bureau": BUREAU,
    "year": YEAR,
    "duties": DUTIES,
    "structure_intro": "",  # the format's standard text is the document's (lines 116–117)
    "glossary": GLOSSARY,
    "reason_total": REASON,
    "reason_fiscal": REASON,
    "reason_gpb": REASON,
    "reason_gpb_budget": "因年度工作计划安排，个别信息化项目和中介机构服务调减",  # lines 574–575
    "reason_sangong_budget": "当年度无“三公”经费支出",  # lines 642–643
    "reason_abroad": "",  # 三公: 持平 at 0.00 (lines 645–647), no reason
    "reason_vehicle": "",
    "reason_reception": "",
    # 七（二）: no “三公” spending at all (line 651)
    "abroad_groups": 0,
    "abroad_people": 0,
    "abroad_use": "",
    "vehicles_bought": 0,
    "purchase_use": "",
    "vehicles_held": 0,
    "running_use": "",
    "reception_foreign": "0",
    "reception_use": "",
    "reception_batches": 0,
    "reception_people": 0,
    "foreign_batches": 0,
    "foreign_people": 0,
    # 十、预算绩效管理情况 (lines 663–675)
    "performance_rules": "本部门制定了普陀区财政局预算绩效管理实施办法，建立了普陀区财政局预算绩效管理工作机制",
    "goal_projects": 4,
    "goal_amount": "598.42",
    "tracked_projects": 4,
    "tracked_amount": "598.42",
    "evaluated_projects": 4,
    "evaluated_amount": "598.42",
    "average_score": "99.43",
    "rated_excellent": 4,
    "rated_good": 0,
    "rated_pass": 0,
    "rated_fail": 0,
    "problems": 0,
    "problems_fixed": 0,
    "problems_fixing": 0,
    # 十一（一）机关运行经费 (lines 681–682)
    "operating_cost": "184.65",
    "reason_operating_cost": "优化办公环境、提升照明效率，更换了老旧照明设施，导致相关支出略有增加",
    # 十一（二）政府采购 (lines 686–693); the parts add to 251.26: the published total is kept
    "procurement_total": "251.25",
    "procurement_goods": "4.79",
    "procurement_works": "0",
    "procurement_services": "246.47",
    "sme_reserved": "246.47",
    "micro_reserved": "0",
    "sme_awarded_reserved": "246.47",
    "micro_awarded_reserved": "0",
    "sme_awarded_other": "4.79",
    # 十一（三）国有资产 (lines 697–700)
    "vehicles_ministerial": 0,
    "vehicles_leader": 0,
    "vehicles_confidential": 0,
    "vehicles_emergency": 0,
    "vehicles_enforcement": 0,
    "vehicles_special": 0,
    "vehicles_retired": 0,
    "vehicles_other": 0,
    "equipment": 2,
}

# --- 上年数 ---------------------------------------------------------------------------------------
# The 2023 决算 figures, reconstructed from the changes the document states (万元).
PRIOR = {
    # 一 (lines 530–531): 2995.39, 减少56.95万元 (下降1.87%)
    "total_all": "3052.34",
    # C3: 四 (lines 548–549) prints 0.3万元 and 持平. 2023's 财政拨款收入支出总计 is its 一般公共预算财政拨款支出
    # 3003.19 plus its 年末财政拨款结转和结余, which is 2024's 年初 21.63 (表4; no 政府性基金 or 国有资本经营
    # either year).
    "fiscal_total": "3024.82",
    # 五（一） (lines 558–559): 2940.05, 减少63.14万元 (下降2.10%)
    "gpb": "3003.19",
    # 七（一） (lines 645–647): 持平, at 0.00
    "sangong": "0",
    "abroad": "0",
    "vehicle": "0",
    "reception": "0",
    # 十一（一） (line 681): 184.65, 增加2.55万元 (增长1.40%)
    "operating_cost": "182.10",
}


# --- the workbook ---------------------------------------------------------------------------------


def amount(text: str) -> float:
    return float(Decimal(text))


def fill_table(wb: openpyxl.Workbook, spec: TableSpec, keys: Sequence[str], rows: list[tuple[str, ...]]) -> None:
    """The published rows as typed, from the sheet's first data row: texts and codes as printed, amounts in 万元."""
    ws = wb[spec.sheet_name]
    for row, published in enumerate(rows, start=spec.data_row):
        assert len(published) == len(keys), (spec.code, published)
        put(ws, spec, row, **dict(zip(keys, published, strict=True)))


def facts(fmt) -> dict[str, object]:
    """The 基本信息 values: amount facts as numbers, empty texts left out."""
    kinds = {fact.key: fact.kind for fact in fmt.facts}
    values: dict[str, object] = {}
    for key, value in FACTS.items():
        assert key in kinds, key
        if value == "":
            continue
        values[key] = amount(value) if kinds[key] == "amount" else value
    return values


def build() -> openpyxl.Workbook:
    fmt = builtin(FORMAT)
    wb = blank.blank_workbook(YEAR, fmt)
    blank.write_facts_sheet(blank.replace_sheet(wb, schema.FACTS_SHEET), year=YEAR, values=facts(fmt), fmt=fmt)
    prior = {key: amount(value) for key, value in PRIOR.items()}
    blank.write_prior_sheet(blank.replace_sheet(wb, schema.PRIOR_SHEET), values=prior, fmt=fmt)
    for code, (keys, rows) in TABLES.items():
        fill_table(wb, fmt.table(code), keys, rows)
    wb.active = 0
    return wb


def main() -> None:
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    blank.save(build(), OUTPUT, stamp=STAMP)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
