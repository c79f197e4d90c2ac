"""Whole Chinese words of the park's service work, for explaining a text match to people.

Matching compares character bigrams (no segmentation needed, and robust to compounds the list
does not know), but a bigram is not a word: 企业提供 yields 业提, 配套企业 yields 配套企. A reason
shown to a person names only whole words: the words of this list, of the resource's tags and
title, and of the need categories, found in both texts by cutting each text into the longest
known words (`segment`). A word the list lacks is simply not named; add it here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def _listed(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Grouped by theme; each entry is a word a park office would write on its own.
LEXICON = _listed(
    """
    企业 公司 需要 需求 我们 进行 相关 有限 提供 目前 希望 问题 一个 没有 可以 情况 工作 园区
    融资 贷款 担保 贴息 科技贷 人才贷 信贷 授信 银行 金融 供应链金融 流动资金 资金 资本 资本市场
    贷款贴息 融资担保 应收账款 质押 保险 基金 投资 投产 扩产 增资
    资金奖补 奖补 补贴 补助 奖励 专项资金 税费 税收 纳税 涉税 优惠 税收优惠 减免 退税
    所得税 加计扣除 研发费用 政策 政策包 利链惠链 惠企 惠企服务 政策解读 精准推送
    用地 工业用地 标准地 供地 土地 厂房 规划 出让 亩均 产出 租赁 场地
    用工 招工 招聘 专场招聘 岗位 劳务 人才 技能人才 高层次人才 人才公寓 订单班 培训 培养 实训
    焊工 钳工 装配钳工 运维 调试 院校 高校 高校院所 大学 实验室 校企合作
    技术攻关 联合攻关 攻关 产学研 技术转移 研发 研发设计 研制 国产化 替代 验证 可靠性 检测
    认证 认定 知识产权 专利 标准 专精特新 小巨人 中小企业 高新技术企业 高企认定 梯度培育
    首台套 重大装备 申报 辅导 预审 材料 评审 咨询 诊断 诊断报告
    供需对接 对接 配套 就近配套 本地配套 配套企业 供应链 产业链 链主 链主企业 供应 采购 订单 客户
    货款 合同 交付 协作 合作 联合 本地 就近 链上 交流 论坛 商会 对接会
    智能制造 智能化 智能化改造 数字化 数字化改造 智能 改造 技改 技术改造 智能车间 车间 产线
    智能产线 生产线 装配 总装 焊装 机器人 协作机器人 上云 企业上云 系统上云 工业互联网 设备
    设备更新 数控 生产 执行系统 生产管理
    股改 上市 股改上市 股份制改造 券商 会计师 律师 事务所 中介机构 北交所
    服务 申请 计划 建设 工程 活动 组织 指导 指导员 服务中心 流程 进程 信息 一次不跑
    审批 环评 环评审批 许可 施工许可 规划许可 帮办 代办 帮办代办 办理 开工 批复 项目
    党建 党建指导 党组织 党支部 党员 党群 党群服务中心 党务 阵地 联建共建 主题党日
    营商环境 交通 物流 运输 限行 通行 道路 货车 纠纷 协调
    新能源 新能源汽车 整车 电驱 齿轮 锻件 液压 油缸 密封 密封材料 芯片 控制器 动力电池
    工程机械 挖掘机 轨道交通
    """
)
# Words too common to explain a match on their own (they may still be part of a longer one).
STOP_WORDS = _listed(
    "企业 公司 需要 需求 我们 进行 相关 有限 提供 目前 希望 问题 一个 没有 可以 情况 工作 园区"
)
LONGEST = 8
_PIECES = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def words_of(texts: Iterable[str]) -> set[str]:
    """The Chinese pieces of short texts that are words by themselves (tags, titles, category
    names): each run of Chinese characters between punctuation, of two to LONGEST characters."""
    found: set[str] = set()
    for text in texts:
        for piece in _PIECES.findall(text or ""):
            if 2 <= len(piece) <= LONGEST:
                found.add(piece)
    return found


def segment(run: str, vocabulary: frozenset[str] | set[str]) -> list[tuple[str, bool]]:
    """A run of Chinese characters cut into the longest known words, left to right: (piece,
    is_word); a character no known word starts with stands alone (is_word False)."""
    pieces: list[tuple[str, bool]] = []
    i = 0
    while i < len(run):
        for length in range(min(LONGEST, len(run) - i), 1, -1):
            if run[i : i + length] in vocabulary:
                pieces.append((run[i : i + length], True))
                i += length
                break
        else:
            pieces.append((run[i], False))
            i += 1
    return pieces
