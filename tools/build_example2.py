"""Build the second example workbook ``inputs/柳溪县卫生健康局2025.xlsx``: an invented county bureau with 所属单位.

The first example (``build_example.py``) is a single 行政 unit funded by 一般公共预算 alone. This
one is shaped differently on purpose, to show that nothing in the generator assumes the first
one's shape. 柳溪县 is invented; its figures are made up, but consistent, and kept in round cents
except one deliberate precise figure (see YS03 below):

- 财政级次 县级; a 部门 (305) of three units: the 局本级 (305001, 行政), 柳溪县疾病预防控制中心
  (305002) and 柳溪县妇幼保健院 (305003), both 事业单位;
- income from four sources: 一般公共预算, 政府性基金预算 (福利彩票公益金, 229 60 02), 事业收入
  (the two 事业单位' own income, spent on projects as 单位资金) and 上年结转结余 (two projects
  carried over from 2024 as 财政拨款结转, YS10's 结转结余 column);
- 政府采购 and vehicles above zero, a 单价50万元以上通用设备;
- against last year: 公务接待费 from a zero base (增加, no percentage), 公务用车运行费 持平 with no
  reason given, 国有资本经营预算 持平, 机构运行经费 down.

Tables are filled as a clerk with several units and several income sources must fill them: YS03,
YS05 (the 一般公共预算 part, 结转 included), YS09 (政府性基金) and YS02 (income by source) each list
the units, a unit's row (code and name, amounts left to be derived) followed by its 功能分类 项
rows. Those rows are composed below from two readable lists, the units' 基本支出 and the projects,
so the four tables agree by construction. YS01, YS04, YS07, YS14 and every total row are left
empty: the generator derives them.

Run from the project root: ``python tools/build_example2.py``.
"""

from __future__ import annotations

import datetime
import pathlib
import sys
from collections import OrderedDict
from decimal import Decimal

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402

from generator.workbook import blank, schema  # noqa: E402
from tools.example_writing import (  # noqa: E402
    fill_ys06,
    fill_ys08,
    fill_ys11,
    put,
    put_ys12_project,
    sheet,
)

YEAR = 2025
BUREAU = "柳溪县卫生健康局"
OUTPUT = ROOT / "inputs" / f"{BUREAU}{YEAR}.xlsx"
STAMP = datetime.datetime(2025, 1, 1)

DEPT_CODE = "305"
OPERATING, TARGET = schema.PROJECT_KINDS  # 其他运转类, 特定目标类

# The units, in the order the tables list them: (单位代码, 单位名称). The 局本级 carries the bureau's name.
BENJI, CDC, MCH = "305001", "305002", "305003"
UNITS = OrderedDict(
    [
        (BENJI, BUREAU),
        (CDC, "柳溪县疾病预防控制中心"),
        (MCH, "柳溪县妇幼保健院"),
    ]
)

# 功能分类 项 used below: code → name (as in generator/reference/refdata/codes_2024.json).
SUBJECTS = {
    "2080505": "机关事业单位基本养老保险缴费支出",
    "2080506": "机关事业单位职业年金缴费支出",
    "2100101": "行政运行",
    "2100199": "其他卫生健康管理事务支出",
    "2100401": "疾病预防控制机构",
    "2100403": "妇幼保健机构",
    "2100408": "基本公共卫生服务",
    "2100409": "重大公共卫生服务",
    "2101101": "行政单位医疗",
    "2101102": "事业单位医疗",
    "2210201": "住房公积金",
    "2296002": "用于社会福利的彩票公益金支出",
}

# --- 基本信息 ------------------------------------------------------------------------------

DUTIES = [
    "贯彻执行国家、省、市卫生健康工作方针政策和法律法规，拟订全县卫生健康事业发展规划和政策措施并组织实施。",
    "协调推进全县深化医药卫生体制改革，组织推进公立医院综合改革，健全现代医院管理制度。",
    "组织落实全县疾病预防控制规划、国家免疫规划以及严重危害人民健康公共卫生问题的干预措施，负责卫生应急工作，"
    "组织指导突发公共卫生事件的预防控制和各类突发公共事件的医疗卫生救援。",
    "组织拟订并协调落实应对人口老龄化政策措施，推进老年健康服务体系建设和医养结合工作。",
    "负责职责范围内的职业卫生、放射卫生、环境卫生、学校卫生、公共场所卫生、饮用水卫生等公共卫生的监督管理，"
    "负责传染病防治监督，健全卫生健康综合监督体系。",
    "负责全县医疗机构和医疗服务行业管理，建立医疗服务评价和监督管理体系，推进基层卫生健康服务体系建设。",
    "负责计划生育管理和服务工作，开展人口监测预警，组织实施妇幼健康服务。",
    "负责全县中医药工作，指导中医药事业发展。",
    "完成县委、县政府交办的其他任务。",
]

DIVISIONS = [
    "办公室",
    "规划发展与信息化股",
    "财务审计股",
    "医政医管股",
    "基层卫生健康股",
    "疾病预防控制股",
    "妇幼健康股",
    "老龄健康与人口家庭股",
    "卫生健康监督股",
]

# The bureau's own glossary: a county's, so its 财政 is 县级财政.
GLOSSARY = [
    "财政拨款收入：是指县级财政当年拨付的资金；包括一般公共预算拨款、政府性基金预算拨款、国有资本经营预算拨款。",
    "政府性基金预算拨款收入：是指县级财政从政府性基金预算中安排的资金，本部门为福利彩票公益金。",
    "事业收入：是指事业单位开展专业业务活动及辅助活动所取得的收入，本部门主要为妇幼保健院的医疗服务收入和疾病预防控制中心的检验检测收入。",
    "上年结转结余：是指以前年度尚未完成、结转到本年仍按原规定用途继续使用的资金。",
    "基本支出：是指为保障机构正常运转、完成日常工作任务所必需的开支，其内容包括人员经费和日常公用经费两部分。",
    "项目支出：是指在基本支出之外，为完成特定的行政工作任务或事业发展目标所发生的支出。",
    "“三公”经费：是指纳入县级财政预算管理，部门使用财政拨款安排的因公出国(境)费、公务用车购置及运行费和公务接待费。"
    "其中，因公出国(境)费反映单位公务出国(境)的住宿费、旅费、伙食补助费、杂费、培训费等支出；公务用车购置及运行费反映"
    "单位公务用车购置费及租用费、燃料费、维修费、过路过桥费、保险费、安全奖励费用等支出；公务接待费反映单位按规定开支的"
    "各类公务接待(含外宾接待)支出。",
    "机构运行经费：是指为保障行政事业单位运行用于购买货物和服务的各项资金，包括办公及印刷费、邮电费、差旅费、会议费、"
    "福利费、日常维修费及一般设备购置费、办公用房水电费、办公用房取暖费、办公用房物业管理费、公务用车运行维护费以及其他费用。",
]

REASON_TOTAL = "妇幼保健院医疗业务收入增加，基本公共卫生服务补助标准提高"

FACTS = {
    "bureau": BUREAU,
    "year": YEAR,
    "dept_code": DEPT_CODE,
    "unit_code": BENJI,
    "fiscal_level": "县级",
    "duties": DUTIES,
    "divisions": DIVISIONS,
    "composition": ("柳溪县卫生健康局本级预算，以及所属事业单位柳溪县疾病预防控制中心、柳溪县妇幼保健院的单位预算"),
    "reason_income": REASON_TOTAL,
    "reason_spending": REASON_TOTAL,
    "reason_gpb": "基本公共卫生服务补助标准提高，安排上年结转的医疗服务与保障能力提升补助资金",
    "reason_gov_fund": "新增福利彩票公益金困境儿童健康关爱项目",
    # 国有资本经营预算 and 公务用车运行费 are 持平 and given no reason: the sentence says only 持平
    "reason_abroad": "无此项业务",
    "reason_reception": "承接全市妇幼健康工作现场会接待任务",
    "reason_vehicle_purchase": "更新车辆数量减少",
    "reason_operating_cost": "压减一般性支出",
    "personnel_items": (
        "基本工资、津贴补贴、奖金、绩效工资、机关事业单位基本养老保险缴费、职业年金缴费、职工基本医疗保险缴费、"
        "其他社会保障缴费、住房公积金、退休费、生活补助"
    ),
    "public_items": "办公费、水电费、邮电费、差旅费、维修（护）费、工会经费、福利费、公务接待费、公务用车运行维护费等",
    "gov_fund_use": "支持医养结合机构开展老年人健康服务和困境儿童健康关爱，资金来源为福利彩票公益金",
    "procurement_goods": 186.40,
    "procurement_works": 45.00,
    "procurement_services": 32.60,
    "vehicles_general": 2,
    "vehicles_enforcement": 3,
    "vehicles_special": 4,
    "vehicles_other": 0,
    # 其他用车主要是 left empty: no other vehicles, so its default (无其他车辆) applies
    "equipment_general": 1,
    "equipment_special": 2,
    "transfer_count": 0,
    # 专项转移支付项目主要是 left empty: none, so its default (无转移支付项目) applies
    "key_evaluation": "我部门（单位）2025年重点评价项目为基本公共卫生服务补助资金。",
    "glossary": GLOSSARY,
}

# --- 上年数 (2024) ----------------------------------------------------------------------------

PRIOR = {
    "income_total": 3296.50,
    "spending_total": 3296.50,
    "gpb": 2050.00,
    "gov_fund": 40.00,
    "soe": 0,
    "abroad": 0,
    "reception": 0,  # zero base: this year's 2.50 is an increase with no percentage
    "vehicle_purchase": 30.00,
    "vehicle_running": 8.00,  # equal to this year's: 持平
    "operating_cost": 82.60,
}

# --- 基本支出, all of it 一般公共预算 --------------------------------------------------------------
# (单位代码, 功能分类项, 工资福利支出, 对个人和家庭的补助, 商品和服务支出, 资本性支出)
# The one deliberate precise figure: 事业单位医疗 of the two 事业单位 kept to the 元 (14.606 and
# 12.446 万元). Each prints rounded on its own (14.61, 12.45), so the printed rows do not add up
# to the printed totals: 尾差, as the published tables have them.
BASIC = [
    (BENJI, "2080505", 23.86, None, None, None),
    (BENJI, "2080506", 11.93, None, None, None),
    (BENJI, "2100101", 186.42, 12.30, 38.60, None),
    (BENJI, "2101101", 9.12, None, None, None),
    (BENJI, "2210201", 17.90, None, None, None),
    (CDC, "2080505", 38.95, None, None, None),
    (CDC, "2080506", 19.47, None, None, None),
    (CDC, "2100401", 312.48, 6.20, 22.40, None),
    (CDC, "2101102", "14.606", None, None, None),
    (CDC, "2210201", 28.70, None, None, None),
    (MCH, "2080505", 33.20, None, None, None),
    (MCH, "2080506", 16.60, None, None, None),
    (MCH, "2100403", 268.50, 4.80, 15.30, None),
    (MCH, "2101102", "12.446", None, None, None),
    (MCH, "2210201", 24.40, None, None, None),
]

# --- YS10: projects, each with its unit, 功能分类 项 and funding -------------------------------------
# funding keys are YS10's columns: gpb (本年一般公共预算), gov_fund (本年政府性基金), co_gpb (一般公共预算
# 结转), unit_funds (单位资金, here the 事业单位' 事业收入).
# (单位代码, 项, 类型, 项目名称, funding, 项目编码, 部门经济分类, 政府经济分类 (事业单位: 505/506))
PROJECTS = [
    (BENJI, "2100199", OPERATING, "卫生健康综合监督执法工作经费", {"gpb": 35.00}, "41999925000000000101", "30299", ""),
    (BENJI, "2100199", TARGET, "卫生监督执法车辆购置", {"gpb": 24.00}, "41999925000000000102", "31013", ""),
    (BENJI, "2100408", TARGET, "基本公共卫生服务补助资金", {"gpb": 642.80}, "41999925000000000103", "30227", ""),
    (
        BENJI,
        "2100199",
        TARGET,
        "医疗服务与保障能力提升补助资金（上年结转）",
        {"co_gpb": 86.50},
        "41999924000000000457",
        "31003",
        "",
    ),
    (
        BENJI,
        "2296002",
        TARGET,
        "福利彩票公益金医养结合服务补助",
        {"gov_fund": 30.00},
        "41999925000000000104",
        "30227",
        "",
    ),
    (
        CDC,
        "2100401",
        OPERATING,
        "实验室检验检测运行经费",
        {"gpb": 18.00, "unit_funds": 45.00},
        "41999925000000000201",
        "30218",
        "50502",
    ),
    (CDC, "2100409", TARGET, "重大传染病防控经费", {"gpb": 126.30}, "41999925000000000202", "30227", "50502"),
    (
        CDC,
        "2100409",
        TARGET,
        "免疫规划冷链设备购置（上年结转）",
        {"co_gpb": 23.70},
        "41999924000000000466",
        "31003",
        "50601",
    ),
    (MCH, "2100403", OPERATING, "医疗业务运行经费", {"unit_funds": 860.00}, "41999925000000000301", "30218", "50502"),
    (MCH, "2100403", OPERATING, "聘用人员劳务费", {"unit_funds": 420.00}, "41999925000000000302", "30226", "50502"),
    (
        MCH,
        "2100409",
        TARGET,
        "两癌筛查及孕前优生健康检查项目",
        {"gpb": 58.00},
        "41999925000000000303",
        "30227",
        "50502",
    ),
    (
        MCH,
        "2296002",
        TARGET,
        "福利彩票公益金困境儿童健康关爱项目",
        {"gov_fund": 20.00},
        "41999925000000000304",
        "30227",
        "50502",
    ),
]

# --- YS06: 一般公共预算基本支出 by 经济分类, 行政 (局本级) lines first, then the 事业单位' -----------
# (部门经济分类, 名称, 政府经济分类, 名称, 人员经费, 公用经费)
# 301 lines: 局本级 186.42 = 68.30 + 62.60 + 15.20 + 40.32; 事业单位 312.48 + 268.50 = 580.98
# = 200.00 + 90.00 + 26.00 + 250.18 + 14.80; social contributions and 公积金 as in BASIC.
# 公用经费: 局本级 38.60, 事业单位 22.40 + 15.30 = 37.70.
YS06_ITEMS = [
    ("30101", "基本工资", "50101", "工资奖金津补贴", 68.30, None),
    ("30102", "津贴补贴", "50101", "工资奖金津补贴", 62.60, None),
    ("30103", "奖金", "50101", "工资奖金津补贴", 15.20, None),
    ("30107", "绩效工资", "50101", "工资奖金津补贴", 40.32, None),
    ("30108", "机关事业单位基本养老保险缴费", "50102", "社会保障缴费", 23.86, None),
    ("30109", "职业年金缴费", "50102", "社会保障缴费", 11.93, None),
    ("30110", "职工基本医疗保险缴费", "50102", "社会保障缴费", 9.12, None),
    ("30113", "住房公积金", "50103", "住房公积金", 17.90, None),
    ("30302", "退休费", "50905", "离退休费", 16.90, None),
    ("30305", "生活补助", "50901", "社会福利和救助", 6.40, None),
    ("30201", "办公费", "50201", "办公经费", None, 8.20),
    ("30207", "邮电费", "50201", "办公经费", None, 2.40),
    ("30211", "差旅费", "50201", "办公经费", None, 6.50),
    ("30217", "公务接待费", "50206", "公务接待费", None, 2.50),
    ("30228", "工会经费", "50201", "办公经费", None, 4.30),
    ("30229", "福利费", "50201", "办公经费", None, 3.20),
    ("30231", "公务用车运行维护费", "50208", "公务用车运行维护费", None, 8.00),
    ("30239", "其他交通费用", "50201", "办公经费", None, 3.50),
    ("30101", "基本工资", "50501", "工资福利支出", 200.00, None),
    ("30102", "津贴补贴", "50501", "工资福利支出", 90.00, None),
    ("30103", "奖金", "50501", "工资福利支出", 26.00, None),
    ("30107", "绩效工资", "50501", "工资福利支出", 250.18, None),
    ("30108", "机关事业单位基本养老保险缴费", "50501", "工资福利支出", 72.15, None),
    ("30109", "职业年金缴费", "50501", "工资福利支出", 36.07, None),
    ("30110", "职工基本医疗保险缴费", "50501", "工资福利支出", "27.052", None),
    ("30112", "其他社会保障缴费", "50501", "工资福利支出", 14.80, None),
    ("30113", "住房公积金", "50501", "工资福利支出", 53.10, None),
    ("30201", "办公费", "50502", "商品和服务支出", None, 12.60),
    ("30205", "水费", "50502", "商品和服务支出", None, 3.10),
    ("30206", "电费", "50502", "商品和服务支出", None, 9.40),
    ("30213", "维修（护）费", "50502", "商品和服务支出", None, 5.80),
    ("30228", "工会经费", "50502", "商品和服务支出", None, 6.80),
]

# --- YS08: “三公”经费 (一般公共预算) -------------------------------------------------------------
YS08_ROW = {
    "total": 34.50,  # 0 + 24.00 + 8.00 + 2.50
    "abroad": None,
    "vehicle": 32.00,
    "vehicle_purchase": 24.00,  # the 31013 project 卫生监督执法车辆购置
    "vehicle_running": 8.00,  # YS06 30231
    "reception": 2.50,  # YS06 30217
}

# --- YS11: 部门（单位）整体绩效目标表 ----------------------------------------------------------
DUTY_GOAL = (
    "持续深化医药卫生体制改革，巩固基本公共卫生服务均等化成果，做好重大传染病防控和免疫规划，"
    "提升妇幼健康服务能力，推进医养结合，保障全县人民群众生命安全和身体健康。"
)

TASKS = [
    (
        "基本公共卫生服务",
        "落实国家基本公共卫生服务项目，城乡居民健康档案规范化电子建档率、65岁及以上老年人健康管理率达到省定目标。",
    ),
    ("重大传染病防控", "做好艾滋病、结核病等重大传染病监测和防控，适龄儿童国家免疫规划疫苗接种率保持在90%以上。"),
    ("妇幼健康服务", "开展农村适龄妇女两癌筛查和孕前优生健康检查，孕产妇和婴儿死亡率控制在省定目标以内。"),
    ("卫生健康综合监督", "开展医疗机构、公共场所和生活饮用水卫生监督检查，依法查处违法违规行为。"),
]

INDICATORS = [
    ("产出指标", "数量指标", "城乡居民健康档案规范化电子建档率", "≥64%", "规范化电子健康档案人数/常住人口数×100%。"),
    ("", "", "65岁及以上老年人健康管理率", "≥62%", "接受健康管理的65岁及以上老年人数/辖区65岁及以上常住居民数×100%。"),
    ("", "", "适龄儿童国家免疫规划疫苗接种率", "≥90%", "按免疫程序完成接种的适龄儿童数/应接种适龄儿童数×100%。"),
    ("", "质量指标", "两癌筛查任务完成率", "≥95%", "完成筛查人数/下达筛查任务数×100%。"),
    ("", "时效指标", "资金拨付及时率", "100%", "按规定时限拨付的资金/应拨付资金×100%。"),
    ("效益指标", "社会效益指标", "居民健康素养水平", "≥28%", "具备基本健康素养的人数/监测总人数×100%。"),
    ("", "", "孕产妇死亡率", "≤12/10万", "反映妇幼健康服务成效。"),
    ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "反映群众对卫生健康服务的满意程度。"),
]

# --- YS12: project performance targets ----------------------------------------------------------
# (项目编码, 成本指标, 产出指标, 效益指标, 满意度指标): each a list of (三级指标, 指标值); a project
# takes as many rows as its longest list. Names and amounts are YS10's.
YS12_INDICATORS = {
    "41999925000000000101": (
        [("执法工作经费", "≤35万元")],
        [("监督检查单位数", "≥600家")],
        [("违法违规行为查处率", "100%")],
        [("群众满意度", "≥90%")],
    ),
    "41999925000000000102": (
        [("车辆购置成本", "≤24万元")],
        [("购置执法车辆", "1辆")],
        [("执法响应时间缩短", "有效缩短")],
        [("执法人员满意度", "≥90%")],
    ),
    "41999925000000000103": (
        [("人均补助标准", "94元")],
        [("健康档案建档率", "≥64%"), ("老年人健康管理率", "≥62%")],
        [("居民健康素养水平", "≥28%")],
        [("群众满意度", "≥90%")],
    ),
    "41999924000000000457": (
        [("设备购置成本", "≤86.5万元")],
        [("购置医疗设备", "6台（套）")],
        [("基层诊疗能力", "提升")],
        [("患者满意度", "≥90%")],
    ),
    "41999925000000000104": (
        [("补助标准", "≤30万元")],
        [("补助医养结合机构", "3家")],
        [("老年人健康服务覆盖", "提升")],
        [("服务对象满意度", "≥90%")],
    ),
    "41999925000000000201": (
        [("检测运行成本", "≤63万元")],
        [("检验检测样本", "≥12000份")],
        [("检测报告及时率", "≥95%")],
        [("服务对象满意度", "≥90%")],
    ),
    "41999925000000000202": (
        [("防控经费", "≤126.3万元")],
        [("传染病报告及时率", "100%"), ("疫苗接种率", "≥90%")],
        [("重大疫情暴发", "无")],
        [("群众满意度", "≥90%")],
    ),
    "41999924000000000466": (
        [("设备购置成本", "≤23.7万元")],
        [("冷链设备", "12台")],
        [("疫苗储运合格率", "100%")],
        [("接种单位满意度", "≥90%")],
    ),
    "41999925000000000301": (
        [("业务运行成本", "≤860万元")],
        [("门诊人次", "≥9万人次")],
        [("医疗服务能力", "提升")],
        [("患者满意度", "≥90%")],
    ),
    "41999925000000000302": (
        [("劳务费标准", "按合同")],
        [("聘用人员", "48人")],
        [("医疗业务正常开展", "正常")],
        [("患者满意度", "≥90%")],
    ),
    "41999925000000000303": (
        [("筛查成本", "≤58万元")],
        [("两癌筛查人数", "≥6000人"), ("孕前优生健康检查", "≥2500人")],
        [("早诊早治率", "提升")],
        [("受检群众满意度", "≥90%")],
    ),
    "41999925000000000304": (
        [("关爱经费", "≤20万元")],
        [("关爱困境儿童", "≥400人")],
        [("困境儿童健康状况", "改善")],
        [("监护人满意度", "≥90%")],
    ),
}

SPENDING_KEYS = ("wage", "family", "goods", "capital")
INCOME_KEYS = ("gpb", "gov_fund", "business_income", "carryover")  # YS02's columns used here
FUNDING_TO_INCOME = {"gpb": "gpb", "gov_fund": "gov_fund", "unit_funds": "business_income", "co_gpb": "carryover"}


# --- composing the spending-shaped tables ------------------------------------------------------


def D(value: object) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def spending_rows(fund: str) -> OrderedDict[str, OrderedDict[str, dict[str, Decimal]]]:
    """Each unit's 项 rows of one table.

    ``fund`` is "all" (YS03), "gpb" (YS05, 结转 included), "gov_fund" (YS09) or "income" (YS02).
    """
    units: OrderedDict[str, OrderedDict[str, dict[str, Decimal]]] = OrderedDict((u, OrderedDict()) for u in UNITS)

    def row(unit: str, subject: str) -> dict[str, Decimal]:
        return units[unit].setdefault(subject, {})

    def add(values: dict[str, Decimal], key: str, amount: Decimal) -> None:
        values[key] = values.get(key, Decimal(0)) + amount

    for unit, subject, *amounts in BASIC:
        if fund in ("all", "gpb"):
            values = row(unit, subject)
            for key, amount in zip(SPENDING_KEYS, amounts, strict=True):
                if amount is not None:
                    add(values, key, D(amount))
        elif fund == "income":
            add(row(unit, subject), "gpb", sum((D(a) for a in amounts), Decimal(0)))
    for unit, subject, kind, _name, funding, *_ in PROJECTS:
        if fund == "income":
            for key, amount in funding.items():
                add(row(unit, subject), FUNDING_TO_INCOME[key], D(amount))
            continue
        part = {
            "all": sum((D(a) for a in funding.values()), Decimal(0)),
            "gpb": D(funding.get("gpb")) + D(funding.get("co_gpb")),
            "gov_fund": D(funding.get("gov_fund")),
        }[fund]
        if part:
            add(row(unit, subject), "operating" if kind == OPERATING else "target", part)
    for unit in units:  # 项 rows in code order, empty ones dropped
        units[unit] = OrderedDict(sorted((s, v) for s, v in units[unit].items() if any(v.values())))
    return OrderedDict((u, rows) for u, rows in units.items() if rows)


# --- writing -----------------------------------------------------------------------------------


def fill_spending(wb, code: str, fund: str) -> None:
    """A spending-shaped table: each unit's row (code and name only), then its 项 rows with their sums."""
    ws, spec = sheet(wb, code)
    row = spec.data_row - 1
    for unit, items in spending_rows(fund).items():
        row += 1
        put(ws, spec, row, unit_code=unit, name=UNITS[unit])  # amounts derived from the 项 rows
        for subject, values in items.items():
            row += 1
            names = {"lei": subject[:3], "kuan": subject[3:5], "xiang": subject[5:], "name": SUBJECTS[subject]}
            if fund == "income":
                amounts = {k: values.get(k) for k in INCOME_KEYS}
                amounts["total"] = sum(values.values(), Decimal(0))
            else:
                basic = sum((values.get(k, Decimal(0)) for k in SPENDING_KEYS), Decimal(0))
                project = values.get("operating", Decimal(0)) + values.get("target", Decimal(0))
                amounts = {k: values.get(k) for k in (*SPENDING_KEYS, "operating", "target")}
                amounts.update(total=basic + project, basic=basic, project=project)
            put(ws, spec, row, **names, **amounts)


def fill_ys10(wb) -> None:
    """The projects, grouped by unit; the unit rows and the total row are left to be derived."""
    ws, spec = sheet(wb, "YS10")
    row = spec.data_row - 1
    for unit in UNITS:
        for p_unit, _subject, kind, name, funding, code, econ_dept, econ_gov in PROJECTS:
            if p_unit != unit:
                continue
            row += 1
            put(
                ws,
                spec,
                row,
                kind=kind,
                name=name,
                unit=UNITS[unit],
                total=sum((D(a) for a in funding.values()), Decimal(0)),
                project_code=code,
                econ_dept=econ_dept,
                econ_gov=econ_gov,
                **funding,
            )
    blank.fit_row_heights(ws, spec.data_row, row)


def fill_ys12(wb) -> None:
    """One block per project, in YS10's order; 政府预算资金 is all 财政拨款 (本年 and 结转), 单位资金 the rest."""
    ws, spec = sheet(wb, "YS12")
    row = spec.data_row
    for unit in UNITS:
        for p_unit, _subject, _kind, name, funding, code, *_ in PROJECTS:
            if p_unit != unit:
                continue
            gov = D(funding.get("gpb")) + D(funding.get("gov_fund")) + D(funding.get("co_gpb"))
            own = D(funding.get("unit_funds"))
            head = {"code": code, "name": name, "total": gov + own, "gov_funds": gov, "unit_funds": own}
            row = put_ys12_project(ws, spec, row, head, YS12_INDICATORS[code])
    blank.fit_row_heights(ws, spec.data_row, row - 1)


def build() -> openpyxl.Workbook:
    wb = blank.blank_workbook(YEAR)
    blank.write_facts_sheet(blank.replace_sheet(wb, schema.FACTS_SHEET), year=YEAR, values=FACTS)
    blank.write_prior_sheet(blank.replace_sheet(wb, schema.PRIOR_SHEET), values=PRIOR)
    fill_spending(wb, "YS02", "income")
    fill_spending(wb, "YS03", "all")
    fill_spending(wb, "YS05", "gpb")
    fill_spending(wb, "YS09", "gov_fund")
    fill_ys06(wb, YS06_ITEMS)
    fill_ys08(wb, YS08_ROW)
    fill_ys10(wb)
    fill_ys11(wb, DUTY_GOAL, TASKS, INDICATORS)
    fill_ys12(wb)
    wb.active = 0
    return wb


def main() -> None:
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    blank.save(build(), OUTPUT, stamp=STAMP)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
